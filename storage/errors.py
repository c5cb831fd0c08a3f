"""Database errors as the adapters and the scheduler see them: the database is out of
reach (the platform should deliver the event again later, the scheduler waits), or it
refused this event's data (delivering it again would fail the same way, forever).

A refused event is logged on one line that names the error, never its message: SQLAlchemy
puts the statement's parameters, what the person typed, in it.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from storage.database import DatabaseUnavailable

__all__ = ["error_name", "unreachable"]

# PostgreSQL: class 08 is "connection exception"; then the server shutting down or starting
# up, and no connection slot left (https://www.postgresql.org/docs/current/errcodes-appendix.html)
_PG_CONNECTION_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite: the file cannot be opened, read or written now, or another writer holds it
_SQLITE_UNREACHABLE = ("SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR")


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what caused it, outermost first (cycles cut)."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _state(error: BaseException) -> str:
    return str(getattr(error, "sqlstate", None) or getattr(error, "pgcode", None) or "")


def _connection_error(error: BaseException) -> bool:
    """Whether a driver error says the connection failed (not the statement)."""
    for cause in _causes(error):
        if isinstance(cause, OSError):
            return True
        state = _state(cause)
        if state.startswith("08") or state in _PG_CONNECTION_STATES:
            return True
        name = str(getattr(cause, "sqlite_errorname", "") or "")
        if name.startswith(_SQLITE_UNREACHABLE):
            return True
    return False


def unreachable(error: BaseException) -> bool:
    """True when `error` means the database cannot be reached or the connection was lost:
    handling the same event later may well succeed. False for everything else, among them
    a value the database refuses (that event would fail the same way every time)."""
    if isinstance(error, DatabaseUnavailable | OSError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, InterfaceError | OperationalError):
            return _connection_error(error.orig if error.orig is not None else error)
    return False


def error_name(error: BaseException) -> str:
    """A short name for an error that tells operators what it was without its message,
    e.g. `DBAPIError: CharacterNotInRepertoireError (22021)`."""
    name = type(error).__name__
    if not isinstance(error, DBAPIError) or error.orig is None:
        return name
    causes = _causes(error.orig)
    # the driver's own exception is the most specific (asyncpg's classes name the problem)
    driver = next(
        (c for c in causes if type(c).__module__.split(".")[0] in ("asyncpg", "sqlite3")),
        error.orig,
    )
    state = next((_state(c) for c in causes if _state(c)), "") or str(
        getattr(driver, "sqlite_errorname", "") or ""
    )
    return f"{name}: {type(driver).__name__}" + (f" ({state})" if state else "")
