"""Which database errors pass (an outage: retry) and which last (this value can never be written)."""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

_UNCONVERTIBLE = (OverflowError, ValueError, TypeError)


def _missing_reference(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return "foreign key" in text or getattr(error.orig, "sqlstate", None) == "23503"


def is_lasting(error: BaseException) -> bool:
    """True when retrying the same write cannot succeed.

    Lasting: a value out of range or too long, a broken constraint, a value the driver
    cannot convert (SQLite: "Python int too large to convert to SQLite INTEGER").
    Passing: connection errors, timeouts, locks, a missing schema (the other DBAPI
    errors), which clear when the database is back or upgraded.
    """
    if isinstance(error, IntegrityError) and _missing_reference(error):
        return False  # the row it refers to (a campaign) may be written a moment later
    if isinstance(error, (DataError, IntegrityError)):
        return True
    if isinstance(error, DBAPIError):
        return False
    if isinstance(error, StatementError):
        return isinstance(error.orig, _UNCONVERTIBLE)
    return isinstance(error, _UNCONVERTIBLE)
