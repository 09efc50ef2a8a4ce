"""Command-line interface behind starter.py."""
