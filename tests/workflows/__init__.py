"""Tests of the workflows on a real Temporal server (time-skipping or dev): loops, messages, replay,
hand-overs, outages."""
