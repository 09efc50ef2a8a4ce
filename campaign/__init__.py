"""Pure domain of the campaign service: plans, units, policy, time and per-unit state.

Nothing here does I/O beyond reading a plan document, and nothing imports Temporal,
so both workflows and activities can use it and it is tested without a server.
"""
