"""The real stack, run for the tests, the benchmarks and the chaos suite: free ports, a private
PostgreSQL, the Temporal dev server, an SMTP inbox, and waiting for something to become true.

Nothing here is imported by the service itself."""
