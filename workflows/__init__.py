"""Temporal workflows: thin orchestration over the campaign domain (the registry is workflows.registry)."""
