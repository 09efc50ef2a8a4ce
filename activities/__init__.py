"""Temporal activities: every side effect of the service. Workflows know them by name only
(activities.contracts); the worker registers them (activities.service)."""
