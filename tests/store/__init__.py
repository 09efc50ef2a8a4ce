"""Tests of the store, the channels and the activities that write and send."""
