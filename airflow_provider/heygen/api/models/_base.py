"""Base classes of the HeyGen models, and the one place where pydantic errors become InvalidRequestError.

Request models are strict: an unknown field (a typo, or a field from an older API version) fails before any
HTTP call. Response models are tolerant: new fields are kept, unknown status strings are kept as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar, overload
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from typing_extensions import Self

from airflow_provider.heygen.api.errors import InvalidRequestError

__all__ = [
    "HttpUrlStr",
    "NonEmptyStr",
    "RequestModel",
    "ResponseModel",
    "Seconds",
    "check_time_window",
    "not_blank",
    "parse_request",
]

M = TypeVar("M", bound="RequestModel")
T = TypeVar("T")


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{_short(value)} is not an http(s) URL")
    return value


# A URL kept exactly as given (presigned URLs must not be re-encoded), but checked to be http(s).
HttpUrlStr = Annotated[str, AfterValidator(_check_http_url)]
NonEmptyStr = Annotated[str, Field(min_length=1)]
Seconds = Annotated[float, Field(ge=0)]


def not_blank(what: str, max_chars: int | None = None) -> AfterValidator:
    """A validator refusing text that is whitespace only (HeyGen rejects it), naming ``what`` and its limit."""
    size = f"1-{max_chars:,} characters" if max_chars is not None else "at least 1 character"

    def check(value: str) -> str:
        if not value.strip():
            got = f"{len(value):,} characters of whitespace only" if value else "empty"
            raise ValueError(f"{got}: {what} must be {size} with words in it (HeyGen rejects a blank one)")
        return value

    return AfterValidator(check)


def check_time_window(start_time: float | None, end_time: float | None) -> None:
    """Raise ValueError when a partial job's ``end_time`` is not after its ``start_time``."""
    if start_time is not None and end_time is not None and end_time <= start_time:
        raise ValueError(f"end_time {end_time:,g} must be after start_time {start_time:,g}")


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are rejected, so a typo fails before any HTTP call.

    So are infinite and NaN numbers: JSON has no way to write them, so no body could carry one.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True, allow_inf_nan=False)

    def to_body(self) -> dict[str, Any]:
        """Return the JSON body to send: the API's field names, fields left unset (None) omitted."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)

    @classmethod
    def parse(cls, data: Mapping[str, Any] | RequestModel) -> Self:
        """Validate a model or a plain dict with the API's field names; raise InvalidRequestError otherwise.

        A model instance is validated again (it may have been changed after it was built), so whatever this
        returns is valid. Every problem is listed, each naming the field path and the limit it broke.
        """
        return parse_request(cls, data)


class ResponseModel(BaseModel):
    """Base of every response model: unknown fields are kept, so a new HeyGen field never breaks parsing."""

    model_config = ConfigDict(extra="allow", defer_build=True)


_ADAPTERS: dict[int, tuple[Any, TypeAdapter[Any]]] = {}


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    cached = _ADAPTERS.get(id(annotation))
    if cached is None:
        # The annotation is stored next to its adapter so that its id cannot be reused while cached.
        cached = _ADAPTERS[id(annotation)] = (annotation, TypeAdapter(annotation))
    return cached[1]


@overload
def parse_request(target: type[M], data: Mapping[str, Any] | RequestModel) -> M: ...
@overload
def parse_request(target: TypeAdapter[T], data: Mapping[str, Any] | RequestModel) -> T: ...
@overload
def parse_request(target: object, data: Mapping[str, Any] | RequestModel) -> Any: ...
def parse_request(target: Any, data: Mapping[str, Any] | RequestModel) -> Any:
    """Validate ``data`` as ``target``: a RequestModel class, a TypeAdapter, or a discriminated union.

    Raise InvalidRequestError with one problem per pydantic error. Union tags are left out of the field paths
    (``scenes[2].input.script``, not ``scenes.2.avatar_video.input.avatar.script``), and the error names the
    union member picked by ``type`` when there is one.
    """
    payload: Any = data.to_body() if isinstance(data, RequestModel) else data
    if isinstance(payload, Mapping):
        payload = dict(payload)
    is_model = isinstance(target, type) and issubclass(target, BaseModel)
    adapter = None if is_model else target if isinstance(target, TypeAdapter) else _adapter(target)
    try:
        return target.model_validate(payload) if adapter is None else adapter.validate_python(payload)
    except ValidationError as exc:
        schema = target.__pydantic_core_schema__ if adapter is None else adapter.core_schema
        walker = _SchemaWalker(schema)
        problems = [_describe(walker, error) for error in exc.errors()]
        name = target.__name__ if adapter is None else walker.member_name(payload)
        raise InvalidRequestError(problems, model=name) from exc


# --- error wording -----------------------------------------------------------------------------------

_MAX_CHOICES = 8  # a longer list of allowed values (the 30 webhook events) is cut in messages
_WRAPPERS = ("model", "nullable", "default", "function-after", "function-before", "function-wrap")


class _SchemaWalker:
    """Follow an error location through a pydantic core schema, to drop union tags and find the limits."""

    def __init__(self, schema: Any) -> None:
        self.root = schema
        self.definitions: dict[str, Any] = {}

    def unwrap(self, node: Any, *, stop_at_model: bool = False) -> Any:
        while isinstance(node, dict):
            kind = node.get("type")
            if kind == "definitions":
                self.definitions.update({d["ref"]: d for d in node["definitions"]})
                node = node["schema"]
            elif kind == "definition-ref":
                node = self.definitions.get(node["schema_ref"])
            elif kind in _WRAPPERS and "schema" in node and not (stop_at_model and kind == "model"):
                node = node["schema"]
            else:
                return node
        return None

    def member_name(self, payload: Any) -> str | None:
        """The class name of the union member that ``payload``'s tag selects, if it selects one."""
        node = self.unwrap(self.root)
        if not (node and node.get("type") == "tagged-union" and isinstance(payload, Mapping)):
            return None
        tag = payload.get(node["discriminator"])
        if not isinstance(tag, str):
            return None
        choice = self.unwrap(node["choices"].get(tag), stop_at_model=True)
        return choice["cls"].__name__ if choice and choice.get("type") == "model" else None

    def follow(self, loc: tuple[int | str, ...]) -> tuple[str, dict[str, Any] | None]:
        """Return the readable field path of ``loc`` and the core schema of the value found there."""
        path = ""
        node = self.unwrap(self.root)
        for segment in loc:
            kind = node.get("type") if node else None
            if node and kind == "tagged-union" and segment in node["choices"]:
                node = self.unwrap(node["choices"][segment])  # a union tag: not part of the field path
                continue
            if node and kind == "model-fields" and segment in node["fields"]:
                node = self.unwrap(node["fields"][segment]["schema"])
            elif node and kind == "list" and isinstance(segment, int):
                node = self.unwrap(node.get("items_schema"))
            else:
                node = None
            path += f"[{segment}]" if isinstance(segment, int) else f"{'.' if path else ''}{segment}"
        return path, node


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) else _short(value)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"


def _size_rule(leaf: dict[str, Any] | None, ctx: dict[str, Any]) -> str:
    low = (leaf or {}).get("min_length", ctx.get("min_length"))
    high = (leaf or {}).get("max_length", ctx.get("max_length"))
    if low and high is not None:
        return f"must be {low:,}-{high:,}"
    if high is not None:
        return f"the limit is {high:,}"
    return f"must be at least {low:,}"


def _range(leaf: dict[str, Any] | None) -> str:
    low = (leaf or {}).get("ge", (leaf or {}).get("gt"))
    high = (leaf or {}).get("le")
    return f" (allowed {_num(low)} to {_num(high)})" if low is not None and high is not None else ""


def _choices(leaf: dict[str, Any] | None, ctx: dict[str, Any]) -> str:
    expected = (leaf or {}).get("expected") or []
    if len(expected) <= _MAX_CHOICES:
        return str(ctx["expected"])
    shown = ", ".join(repr(choice) for choice in expected[:_MAX_CHOICES])
    return f"one of {len(expected)} values ({shown}, ...)"


def _tag_field(ctx: dict[str, Any]) -> str:
    return str(ctx.get("discriminator", "type")).strip("'")


def _describe(walker: _SchemaWalker, error: ErrorDetails) -> str:
    path, leaf = walker.follow(error["loc"])
    kind, value = error["type"], error["input"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in ("string_too_long", "string_too_short"):
        text = f"{len(value):,} characters, {_size_rule(leaf, ctx)}"
    elif kind in ("too_long", "too_short"):
        text = f"{_num(ctx.get('actual_length', len(value)))} items, {_size_rule(leaf, ctx)}"
    elif kind == "less_than_equal":
        text = f"{_num(value)} is above the maximum {_num(ctx['le'])}{_range(leaf)}"
    elif kind == "greater_than_equal":
        text = f"{_num(value)} is below the minimum {_num(ctx['ge'])}{_range(leaf)}"
    elif kind == "greater_than":
        text = f"{_num(value)} must be above {_num(ctx['gt'])}{_range(leaf)}"
    elif kind == "finite_number":
        text = f"{_short(value)} is not allowed, expected a finite number (JSON cannot carry inf or nan)"
    elif kind == "literal_error":
        text = f"{_short(value)} is not allowed, expected {_choices(leaf, ctx)}"
    elif kind == "union_tag_invalid":
        text = f"{_tag_field(ctx)} {ctx['tag']!r} is not allowed, expected {ctx['expected_tags']}"
    elif kind == "union_tag_not_found":
        text = f"{_tag_field(ctx)} is missing; it picks the kind of object"
    elif kind == "extra_forbidden":
        text = "unknown field; HeyGen's API has no field of that name here (check the spelling)"
    elif kind == "missing":
        text = "required field is missing"
    elif kind == "value_error":
        text = str(ctx["error"])
    else:
        text = f"{error['msg']} (got {_short(value)})"
    return f"{path}: {text}" if path else text
