"""How consultflow's errors read over HTTP: a status code per kind of problem, the one-line message kept."""

from __future__ import annotations

from engine.errors import (
    Conflict,
    ConsultflowError,
    DatabaseBusy,
    DatabaseError,
    DefinitionChanged,
    GuardFailed,
    NotAllowed,
    NotFound,
    RoleNotAllowed,
    TriggerNotAllowed,
)
from notifications.errors import NotRetryable
from reports.errors import ReportNotReady


class NotVisible(NotAllowed):
    """This instance and its documents are not visible to you."""


class NotPermitted(NotAllowed):
    """Your roles do not allow this."""


class LoginRequired(ConsultflowError):
    """Log in first."""


class CsrfRejected(ConsultflowError):
    """The form is out of date or did not come from this site; reload the page and try again."""


def http_status(error: ConsultflowError) -> int:
    """403 not allowed, 404 unknown, 409 not now (state, guard, version), 422 bad input, 503 busy."""
    if isinstance(error, RoleNotAllowed | NotVisible | NotPermitted | CsrfRejected):
        return 403
    if isinstance(error, LoginRequired):
        return 401
    if isinstance(error, TriggerNotAllowed | GuardFailed | Conflict | ReportNotReady | NotRetryable):
        return 409
    if isinstance(error, DatabaseBusy):
        return 503
    if isinstance(error, DatabaseError | DefinitionChanged):
        return 500
    if isinstance(error, NotFound):
        return 404
    return 422
