"""Tests of the whole service: the demo, chaos, deployment, several processes, benchmarks, the house's own rules."""
