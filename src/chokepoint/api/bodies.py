r"""The base of every JSON request body: no NUL character anywhere in its text.

PostgreSQL's text type cannot hold NUL (``\u0000``), SQLite keeps it silently and workbooks drop
it; a body carrying one anywhere (a name, a comment, a key of a mapping, inside a list) is refused
with the API's 422 ``invalid_request`` naming the field, before any route reads it. Paths and
query strings get the same refusal in :class:`chokepoint.api.limits.BodyLimit`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator

NUL = "\x00"


def nul_location(value: Any, path: str = "") -> str | None:
    """The dotted location of the first NUL in ``value`` (text, mapping or list), else None."""
    if isinstance(value, str):
        return path or "body" if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and NUL in key:
                return where
            found = nul_location(item, where)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = nul_location(item, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


class Body(BaseModel):
    """A request body: :class:`pydantic.BaseModel` refusing the NUL character in any text."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        where = nul_location(data)
        if where:
            raise ValueError(f"{where!r} holds the NUL character (\\u0000): remove it")
        return data
