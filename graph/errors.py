"""One exception tree for stkg; the CLI and the API each map it in one place."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(text: str, choices: Iterable[str], listing: str | None = None) -> str:
    """An error message's hint: the closest choice, else the choices listed (or nothing without a listing)."""
    known = list(choices)
    near = difflib.get_close_matches(text, known, n=1)
    if near:
        return f"; did you mean {near[0]!r}?"
    return f" ({listing}: {', '.join(known) or 'none'})" if listing else ""


class StkgError(Exception):
    """Base of every error stkg reports to a user (never a traceback)."""

    http_status = 500
    code = "error"
    retry_after = 0  # seconds a client should wait before asking again (Retry-After), when it may


class ConfigError(StkgError):
    """A setting or environment is wrong; the message says what to change."""

    http_status = 500
    code = "config"


class EngineError(StkgError):
    """The graph engine could not be started or reached."""

    http_status = 503
    code = "engine_unavailable"


class QueryError(StkgError):
    """A query failed on the server or was refused."""

    http_status = 400
    code = "query"


class QueryTimeoutError(QueryError):
    """The engine cancelled a query that ran past STKG_QUERY_TIMEOUT."""

    http_status = 504
    code = "timeout"


class ConflictError(StkgError):
    """Another writer changed the graph first; the request may be tried again."""

    http_status = 409
    code = "conflict"


class StalePreviewError(StkgError):
    """The graph changed between an upload's preview and its confirmation; nothing was written."""

    http_status = 409
    code = "stale_preview"


class ReadOnlyError(QueryError):
    """A read-only query tried to write; nothing was changed."""

    http_status = 403
    code = "read_only"


class NotFoundError(StkgError):
    """A named entity (nation, technology, query...) does not exist."""

    http_status = 404
    code = "not_found"

    def __init__(self, message: str, suggestions: list[str] | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []
        self.field = field  # the parameter that named it, when one did (forms show the error beside it)


class ParameterError(StkgError):
    """A parameter is missing, unknown or malformed."""

    http_status = 422
    code = "invalid_parameter"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AmbiguousError(ParameterError):
    """A name fits more than one entity; `suggestions` lists every candidate (never pick one)."""

    code = "ambiguous"

    def __init__(self, message: str, candidates: list[str], field: str | None = None) -> None:
        super().__init__(message, field)
        self.suggestions = candidates


class ValidationError(StkgError):
    """Input data failed validation; `problems` holds every `file:row:column: message`."""

    http_status = 422
    code = "invalid_input"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the input; nothing was written")
        self.problems = problems


class AuthError(StkgError):
    """No valid API key was given."""

    http_status = 401
    code = "unauthenticated"


class ForbiddenError(StkgError):
    """The API key's role may not do this."""

    http_status = 403
    code = "forbidden"


class CrossSiteError(ForbiddenError):
    """A state-changing request came from a page of another origin; refused before any route."""

    code = "cross_site"


class HostNotAllowedError(StkgError):
    """The request names a host this server does not answer to (DNS rebinding)."""

    http_status = 421
    code = "host_not_allowed"


class TooLargeError(StkgError):
    """A request body or upload is over its configured size limit."""

    http_status = 413
    code = "too_large"


class LoadingError(StkgError):
    """A first load is being committed in chunks; reads wait for it so nobody sees half a run."""

    http_status = 503
    code = "loading"
    retry_after = 5

    def __init__(self, message: str, busy: bool = True) -> None:
        super().__init__(message)
        self.busy = busy  # a live process is loading (False: an interrupted load awaits its rollback)
