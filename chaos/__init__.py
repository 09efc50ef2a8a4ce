"""The chaos suite (`make chaos`, `python -m chaos [--quick]`): the seed campaign run twice on the
real stack at a compressed speed with simulated units, once undisturbed and once with workers,
the Temporal server, PostgreSQL and SMTP killed or stopped along the way; then the two are compared.
"""
