"""Tests of the office's and the units' pages and API, in httpx and in Chromium."""
