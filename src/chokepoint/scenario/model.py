"""Scenario definitions: a perspective and a list of shocks (a file, a Python object, an API body).

A scenario file (YAML or JSON)::

    name: Netherlands blockade
    perspective: {home: CHN}            # optional; the project's default otherwise
    shocks:
      - {type: blockade, country: NLD}                     # NLD stops supplying the home economy
      - {type: blockade, country: JPN, nodes: [N31], depth: 0.5}
      - {type: outage, actor: P45}                         # an enterprise goes offline
      - {type: capacity, node: N26, loss: 0.3}             # a node loses 30% of its capacity
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chokepoint.errors import ChokepointError, Problem


class ScenarioError(ChokepointError):
    """A scenario definition is invalid; ``problems`` locate each error."""

    code = "scenario_error"
    http_status = 422

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: invalid scenario ({len(problems)} problem{'s' if len(problems) != 1 else ''})"]
        lines += [f"  {p.column or '(scenario)'}: {p.reason}" for p in problems]
        super().__init__("\n".join(lines))

    def to_dict(self) -> dict[str, Any]:
        """Return the error's JSON shape, the message's first line and every problem in ``details``."""
        return {
            "code": self.code,
            "message": str(self).splitlines()[0],
            "details": {"problems": [p.to_dict() for p in self.problems]},
        }


class _Shock(BaseModel):
    """Fields common to every shock: ``start`` (day) and ``duration`` (days).

    ``duration`` absent means to the end of the horizon. Both are used by the dynamics
    (:mod:`chokepoint.scenario.dynamics`); the static engine applies every shock at full effect.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: int = Field(0, ge=0)
    duration: int | None = Field(None, ge=1)

    def active(self, day: int) -> bool:
        """Tell whether the shock acts on ``day``: from ``start`` for ``duration`` days (or to the end)."""
        return self.start <= day and (self.duration is None or day < self.start + self.duration)


class Blockade(_Shock):
    """Country ``country`` stops supplying ``nodes`` (all when absent) to the home economy.

    ``depth`` is the fraction of that supply cut (1 = all of it).
    """

    type: Literal["blockade"] = "blockade"
    country: str
    nodes: tuple[str, ...] | None = None
    depth: float = Field(1.0, ge=0.0, le=1.0)

    @field_validator("country")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.strip().upper()

    def label(self) -> str:
        """Name the shock with codes: ``NLD blockade``, ``JPN blockade (50%)``."""
        part = "" if self.depth == 1 else f" ({self.depth:.0%})"
        return f"{self.country} blockade{part}"


class Outage(_Shock):
    """Enterprise (or institution) ``actor`` stops supplying ``nodes`` (all when absent)."""

    type: Literal["outage"] = "outage"
    actor: str
    nodes: tuple[str, ...] | None = None
    depth: float = Field(1.0, ge=0.0, le=1.0)

    def label(self) -> str:
        """Name the shock with ids: ``P45 outage``, ``P45 outage (50%)``."""
        part = "" if self.depth == 1 else f" ({self.depth:.0%})"
        return f"{self.actor} outage{part}"


class CapacityLoss(_Shock):
    """Node ``node`` loses the fraction ``loss`` of its supply."""

    type: Literal["capacity"] = "capacity"
    node: str
    loss: float = Field(..., ge=0.0, le=1.0)

    def label(self) -> str:
        """Name the shock with ids: ``N26 capacity -30%``."""
        return f"{self.node} capacity -{self.loss:.0%}"


Shock = Annotated[Blockade | Outage | CapacityLoss, Field(discriminator="type")]


class PerspectiveSpec(BaseModel):
    """Perspective fields of a scenario body (codes as in ``--home``/``--restricted``)."""

    model_config = ConfigDict(extra="forbid")
    home: str | list[str]
    restricted: str | list[str] = []
    allied: str | list[str] = []
    year: int | None = None


class Scenario(BaseModel):
    """A named set of shocks, optionally with its own perspective.

    Examples
    --------
    >>> s = Scenario.model_validate({"name": "NLD", "shocks": [{"type": "blockade", "country": "nld"}]})
    >>> s.shocks[0].country
    'NLD'
    """

    model_config = ConfigDict(extra="forbid")
    name: str = "scenario"
    description: str = ""
    perspective: PerspectiveSpec | None = None
    shocks: list[Shock] = []

    def label(self) -> str:
        """Name the scenario by its shocks, joined by ``; `` (``no shock`` when it has none)."""
        return "; ".join(s.label() for s in self.shocks) or "no shock"


def scenario_from_dict(data: Any, source: str = "scenario") -> Scenario:
    """Validate a parsed body, turning pydantic errors into a :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(source, None, ".".join(str(x) for x in e["loc"]) or None, e["msg"], code="invalid")
            for e in exc.errors()
        ]
        raise ScenarioError(source, problems) from None
