"""Cases of the CLI/API parity test (tests/test_parity.py), one module per capability.

Each module defines ``CASES``: a list of :class:`Case`; the test runs every case's
command line (with ``--format json``) and its API request against the same
store and asserts equal JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One request made both ways.

    ``cli``: arguments after ``chokepoint`` (``--format json`` and ``--db`` are added unless
    ``format_flag``/``db_flag`` is False); ``method``/``path``/``params``/``json``: the API request (made as
    the admin); ``normalize``: applied to both answers before comparing (e.g. drop dates);
    ``api_key``: the part of the API's answer that the CLI prints (e.g. ``candidates``).
    """

    id: str
    cli: list[str]
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    normalize: Callable[[Any], Any] | None = None
    api_key: str | None = None
    format_flag: bool = True
    db_flag: bool = True
