"""The fake's API errors: one exception carrying HeyGen's v3 error envelope, rendered by the app.

Pure Python (no Starlette), so ``state`` and every routes module can raise it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DOC_URL", "ApiError", "conflict", "invalid_parameter", "not_found"]

DOC_URL = "https://developers.heygen.com/docs/error-codes"


class ApiError(Exception):
    """An HTTP error answer: ``{"error": {"code", "message", "param"?, "doc_url"}}`` plus optional headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON envelope HeyGen sends for this error."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        error["doc_url"] = f"{DOC_URL}#{self.code.replace('_', '-')}"
        return {"error": error}


def invalid_parameter(param: str | None, message: str) -> ApiError:
    """400 ``invalid_parameter`` naming the offending field."""
    return ApiError(400, "invalid_parameter", message, param=param)


def not_found(what: str, ident: str) -> ApiError:
    """404 ``not_found`` for an unknown (or deleted) resource."""
    return ApiError(404, "not_found", f"{what} {ident} not found")


def conflict(message: str) -> ApiError:
    """409 ``conflict``: the resource is not in a state that allows the call."""
    return ApiError(409, "conflict", message)
