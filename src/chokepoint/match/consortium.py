"""Innovation consortium proposal (创新联合体): a small set of actors that together hold every
position a joint R&D task needs and every capability it asks for.

Positions (:data:`POSITIONS`) of a task on node ``n``:

* ``lead`` — a home enterprise that provides ``n`` (the chain-leader enterprise, 链主);
* ``upstream`` — a home or allied enterprise that provides an input of ``n`` (``input_of`` edge into ``n``);
* ``research`` — an institution (university, institute, laboratory) that provides ``n`` or whose
  capability profile names ``n``;
* ``pilot`` — a pilot-scale platform (中试平台, actor kind ``pilot_platform``) whose profile names ``n``;
* ``first_user`` — a home enterprise downstream of ``n``: it provides a node that ``n`` (or a
  category of it) goes into, directly or further down the chain.

A required capability is held by an actor whose profile (keywords, description, pilot process and
equipment) or provided nodes' names contain it (case ignored). Actors of restricted countries and
data aggregates (a region without declared members) are never eligible; neutral ones may hold a
position at a higher risk (home 0, allied 0.25, neutral 0.5).

The choice is weighted set cover over those elements: minimise
``sum_j x_j (1 + (r_j + 1 - s_j) / (2 (m + 1)))`` over the ``m`` eligible actors, ``r_j`` the
standing's risk and ``s_j`` the actor's largest share of the node, its family, inputs or users:
size first (the second term of any choice sums to less than 1), then lower risk and stronger
position; each covered element held by at least one chosen actor.

* :func:`greedy_cover` picks the actor with the most uncovered elements per unit cost until all
  are covered: within ``H(d) = 1 + 1/2 + ... + 1/d`` of the optimum, ``d`` the most elements one
  actor holds (Chvátal, "A greedy heuristic for the set-covering problem", Math. Oper. Res. 4(3),
  1979); :func:`harmonic` gives the bound.
* :func:`exact_cover` solves the integer programme with HiGHS (:func:`scipy.optimize.milp`).

Elements no eligible actor holds are reported as gaps (to recruit), never dropped silently. Pure:
no file, database or web imports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from chokepoint.assess.perspective import Perspective
from chokepoint.errors import UsageError
from chokepoint.match.challenges import standings
from chokepoint.model.chain import ChainMap

POSITIONS = ("lead", "upstream", "research", "pilot", "first_user")
POSITION_LABELS = {
    "lead": ("lead enterprise", "牵头企业"),
    "upstream": ("upstream supplier", "上游供应商"),
    "research": ("research unit", "科研单位"),
    "pilot": ("pilot-scale platform", "中试平台"),
    "first_user": ("first user", "首用单位"),
}
RISK = {"home": 0.0, "allied": 0.25, "neutral": 0.5}
#: which standings may hold each position (restricted and aggregate never)
ALLOWED = {
    "lead": {"home"},
    "upstream": {"home", "allied"},
    "research": {"home", "allied", "neutral"},
    "pilot": {"home", "allied", "neutral"},
    "first_user": {"home"},
}
EXACT_LIMIT = 400  # eligible actors up to which "auto" solves exactly
Method = Literal["auto", "greedy", "exact"]


def harmonic(d: int) -> float:
    """``H(d) = sum_{i=1..d} 1/i``, the greedy set cover's approximation factor (Chvátal 1979)."""
    return float(sum(1.0 / i for i in range(1, d + 1)))


def greedy_cover(sets: Sequence[frozenset[str]], costs: Sequence[float]) -> list[int]:
    """Greedy weighted set cover of the union of ``sets``: indices chosen, in order of choice.

    Each step takes the set with the most uncovered elements per unit cost (ties: lower cost,
    then lower index). Its total cost is at most ``H(d)`` times the optimum, ``d = max |S|``.
    """
    left = set().union(*sets) if sets else set()
    chosen: list[int] = []
    while left:
        gains = [len(s & left) / c for s, c in zip(sets, costs, strict=True)]
        best = max(range(len(sets)), key=lambda j: (gains[j], -costs[j], -j))
        if gains[best] == 0:  # unreachable: left is within the union
            break
        chosen.append(best)
        left -= sets[best]
    return chosen


def exact_cover(sets: Sequence[frozenset[str]], costs: Sequence[float]) -> list[int]:
    """Minimum-cost cover of the union of ``sets`` (integer programme, HiGHS via
    :func:`scipy.optimize.milp`): indices chosen, ascending.
    """
    universe = sorted(set().union(*sets)) if sets else []
    if not universe:
        return []
    rows = {e: i for i, e in enumerate(universe)}
    a = np.zeros((len(universe), len(sets)))
    for j, s in enumerate(sets):
        for e in s:
            a[rows[e], j] = 1.0
    result = milp(
        c=np.asarray(costs, dtype=float) * 1e6,  # HiGHS's absolute gap (1e-6) would hide the tie-breaks
        constraints=LinearConstraint(a, lb=np.ones(len(universe)), ub=np.inf),
        integrality=np.ones(len(sets)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},  # the tie-breaks differ by far less than the default gap
    )
    if result.x is None:  # pragma: no cover - the union is always coverable
        raise UsageError(f"the consortium cover found no solution ({result.message})")
    return [j for j in range(len(sets)) if result.x[j] > 0.5]


@dataclass(frozen=True)
class Eligible:
    """An actor that may join: what it covers (positions, ``cap:<capability>``) and why."""

    actor: str
    name: str
    name_zh: str
    kind: str
    country: str
    standing: str
    covers: frozenset[str]
    reasons: Mapping[str, tuple[str, str]]  # element -> (English, Chinese)
    strength: float = 0.0  # its largest share of the task's node, family, inputs or users

    @property
    def risk(self) -> float:
        """The standing's risk (home 0, allied 0.25, neutral 0.5)."""
        return RISK[self.standing]


@dataclass(frozen=True)
class ConsortiumProposal:
    """A proposed consortium for a task.

    Attributes
    ----------
    task, node : str
        The task and its node.
    members : list of Eligible
        The chosen actors, lead first, then by position.
    required : list of str
        Every element asked for (positions and ``cap:`` capabilities).
    gaps : list of str
        Elements no eligible actor holds (to recruit: no member covers them).
    method : str
        ``exact`` or ``greedy``.
    bound : float
        The approximation factor the result is within (1 for exact, ``H(d)`` for greedy).
    eligible : int
        Actors that were eligible; ``excluded`` counts the organisations left out, by standing.
    """

    task: str
    node: str
    members: list[Eligible]
    required: list[str]
    gaps: list[str]
    method: str
    bound: float
    eligible: int
    excluded: dict[str, int] = field(default_factory=dict)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """JSON shape: each member with its roles and reasons in ``lang``; gaps; the method."""
        zh = lang == "zh"
        members = []
        for m in self.members:
            roles = [e for e in POSITIONS if e in m.covers]
            members.append(
                {
                    "actor": m.actor,
                    "name": m.name_zh if zh and m.name_zh else m.name,
                    "name_en": m.name,
                    "name_zh": m.name_zh or m.name,
                    "kind": m.kind,
                    "country": m.country,
                    "standing": m.standing,
                    "roles": roles,
                    "role_labels": [POSITION_LABELS[r][1 if zh else 0] for r in roles],
                    "capabilities": sorted(
                        e[4:] for e in m.covers if e.startswith("cap:") and e in self.required
                    ),
                    "reasons": [m.reasons[e][1 if zh else 0] for e in self.required if e in m.covers],
                }
            )
        return {
            "task": self.task,
            "node": self.node,
            "size": len(self.members),
            "members": members,
            "required": self.required,
            "gaps": [_element_label(e, zh) for e in self.gaps],
            "method": self.method,
            "bound": self.bound,
            "eligible": self.eligible,
            "excluded": self.excluded,
        }


#: why a position or capability stays a gap, and what to do about it
GAP_HINTS = {
    "lead": (
        "no home enterprise provides the node or a node of its family",
        "链上无供给该节点或同类产品的本国企业",
    ),
    "upstream": (
        "no home or allied enterprise provides an input of it in this chain",
        "链上无供给其投入品的本国或友好国家企业",
    ),
    "research": (
        "no institution in this chain works on it: import capability profiles or add institutes",
        "链上无研究该节点的科研机构：请导入能力画像或补充院所",
    ),
    "pilot": ("no pilot-scale platform's profile names it", "无能力画像包含该节点的中试平台"),
    "first_user": ("no home enterprise downstream of it in this chain", "链上无下游本国用户企业"),
    "cap": ("no eligible actor's profile or products name it", "无符合条件主体的能力画像或产品包含该能力"),
}


def _element_label(element: str, zh: bool) -> str:
    k = 1 if zh else 0
    if element.startswith("cap:"):
        return ("能力“" + element[4:] + "”：" if zh else f"capability '{element[4:]}': ") + GAP_HINTS["cap"][
            k
        ]
    return POSITION_LABELS[element][k] + ("：" if zh else ": ") + GAP_HINTS[element][k]


@dataclass(frozen=True)
class _Graph:
    """The chain's ``type_of`` hierarchy and ``input_of`` edges, as sets."""

    parents: Mapping[str, set[str]]
    children: Mapping[str, set[str]]
    inputs: set[tuple[str, str]]

    @classmethod
    def of(cls, chain: ChainMap) -> _Graph:
        parents: dict[str, set[str]] = {}
        children: dict[str, set[str]] = {}
        kinds = chain.edges[chain.edges["kind"] == "type_of"]
        for s, t in zip(kinds["source"], kinds["target"], strict=True):  # s is a kind of t
            parents.setdefault(s, set()).add(t)
            children.setdefault(t, set()).add(s)
        flows = chain.edges[chain.edges["kind"] == "input_of"]
        return cls(parents, children, set(zip(flows["source"], flows["target"], strict=True)))

    def _closure(self, start: set[str], step: Mapping[str, set[str]]) -> set[str]:
        seen: set[str] = set()
        todo = list(start)
        while todo:
            for n in step.get(todo.pop(), set()):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen

    def users(self, nodes: set[str]) -> set[str]:
        """What ``nodes`` go into, directly or further down the chain (``input_of`` closure)."""
        into: dict[str, set[str]] = {}
        for s, t in self.inputs:
            into.setdefault(s, set()).add(t)
        return self._closure(set(nodes), into)

    def ancestors(self, node: str) -> set[str]:
        """The categories ``node`` is (transitively) a kind of."""
        return self._closure({node}, self.parents)

    def with_kinds(self, nodes: set[str]) -> set[str]:
        """``nodes`` and every kind of them (their ``type_of`` descendants)."""
        return set(nodes) | self._closure(set(nodes), self.children)


@dataclass(frozen=True)
class _Context:
    """What every actor of one task is judged against."""

    node: str
    names: Mapping[str, str]
    names_zh: Mapping[str, str]
    upstream: set[str]
    downstream: set[str]
    related: set[str]  # the node's family: its categories and their kinds
    wanted: list[str]

    def label(self, n: str, zh: bool) -> str:
        return (self.names_zh.get(n) or self.names.get(n, n)) if zh else self.names.get(n, n)


def _reasons(
    c: _Context, kind: str, standing: str, mine: Mapping[str, float], profile: Mapping[str, Any]
) -> dict[str, tuple[str, str]]:
    """The elements one actor may cover, each with its reason (English, Chinese); ``mine`` are
    the nodes it provides with its share of each (0 when unknown).
    """
    node = c.node
    named = set(mine) | set(profile.get("nodes", []))

    def best(nodes: set[str]) -> str:  # the node of the family it holds most of
        return max(sorted(nodes), key=lambda n: mine[n])

    pilot = profile.get("pilot", {})
    found: dict[str, tuple[str, str]] = {}
    if kind == "enterprise" and node in mine:
        found["lead"] = (f"provides {c.label(node, False)} ({node})", f"供给{c.label(node, True)}（{node}）")
    elif kind == "enterprise" and set(mine) & c.related:
        n = best(set(mine) & c.related)
        found["lead"] = (
            f"provides {c.label(n, False)} ({n}), of the same family as {node} (not {node} itself)",
            f"供给同类产品{c.label(n, True)}（{n}），尚未供给{node}",
        )
    if kind == "enterprise" and set(mine) & c.upstream:
        n = best(set(mine) & c.upstream)
        found["upstream"] = (
            f"provides {c.label(n, False)} ({n}), an input of {node}",
            f"供给{c.label(n, True)}（{n}），为{node}的投入",
        )
    if kind == "enterprise" and set(mine) & c.downstream:
        n = best(set(mine) & c.downstream)
        found["first_user"] = (
            f"provides {c.label(n, False)} ({n}), which {node} goes into",
            f"供给{c.label(n, True)}（{n}），为{node}的下游用户",
        )
    if kind == "institution" and node in named:
        found["research"] = (
            f"works on {c.label(node, False)} ({node})",
            f"研究{c.label(node, True)}（{node}）",
        )
    if kind == "pilot_platform" and node in named:
        scale = f", scale {pilot['scale']}" if pilot.get("scale") else ""
        found["pilot"] = (
            f"pilot-scale line for {c.label(node, False)} ({node}){scale}",
            f"{c.label(node, True)}（{node}）中试线{scale}",
        )
    found = {e: r for e, r in found.items() if standing in ALLOWED[e]}
    text = " ".join(
        [
            str(profile.get("description", "")),
            " ".join(profile.get("keywords", [])),
            " ".join(pilot.get("process", [])),
            " ".join(pilot.get("equipment", [])),
            " ".join(f"{c.label(n, False)} {c.label(n, True)}" for n in sorted(mine)),
        ]
    ).casefold()
    for w in c.wanted:
        if w.casefold() in text:
            found[f"cap:{w}"] = (
                f"holds the capability '{w}' (profile or products)",
                f"具备“{w}”能力（能力画像或产品）",
            )
    return found


def eligible_actors(
    chain: ChainMap,
    perspective: Perspective,
    node: str,
    capabilities: Sequence[str],
    profiles: Mapping[str, Mapping[str, Any]],
) -> tuple[list[Eligible], dict[str, int]]:
    """Every organisation that may hold a position or a capability of a task on ``node``, and
    the count of those excluded by standing (``restricted``, ``aggregate``).

    Raises
    ------
    UsageError
        For a node that is not in the chain.
    """
    if node not in set(chain.nodes["id"]):
        raise UsageError(f"{node!r} is not a node of the chain")
    orgs = chain.actors[chain.actors["kind"].isin(["enterprise", "institution", "pilot_platform"])]
    names = dict(zip(chain.nodes["id"], chain.nodes["name"], strict=True))
    names_zh = dict(zip(chain.nodes["id"], chain.nodes["name_zh"], strict=True))
    provided: dict[str, dict[str, float]] = {}
    shares = chain.provisions["share"].fillna(0.0).astype(float)
    for a, n, share in zip(chain.provisions["actor"], chain.provisions["node"], shares, strict=True):
        held = provided.setdefault(a, {})
        held[n] = max(held.get(n, 0.0), float(share))
    graph = _Graph.of(chain)
    up_of = graph.ancestors(node) | {node}  # a category's inputs are its kinds' inputs too
    upstream = graph.with_kinds({s for s, t in graph.inputs if t in up_of})
    downstream = graph.users(up_of)  # not their kinds: a process step's kinds are its tools, peers
    related = (graph.with_kinds(graph.ancestors(node)) | graph.with_kinds({node})) - {node}
    wanted = [c.strip() for c in capabilities if c.strip()]
    stand = standings(chain, [str(c) for c in orgs["country"]], perspective)
    context = _Context(node, names, names_zh, upstream - {node}, downstream - {node}, related, wanted)
    out: list[Eligible] = []
    excluded: dict[str, int] = {}
    for (a, name, name_zh, kind, country), standing in zip(
        orgs[["id", "name", "name_zh", "kind", "country"]].itertuples(index=False), stand, strict=True
    ):
        if standing not in RISK:
            excluded[standing] = excluded.get(standing, 0) + 1
            continue
        mine = provided.get(a, {})
        reasons = _reasons(context, str(kind), standing, mine, profiles.get(a, {}))
        family = {node} | context.related | context.upstream | context.downstream
        strength = max((v for n, v in mine.items() if n in family), default=0.0)
        if reasons:
            out.append(
                Eligible(
                    a,
                    str(name),
                    str(name_zh or ""),
                    str(kind),
                    str(country),
                    standing,
                    frozenset(reasons),
                    reasons,
                    strength,
                )
            )
    return out, excluded


def propose_consortium(
    chain: ChainMap,
    perspective: Perspective,
    task: str,
    node: str,
    capabilities: Sequence[str] = (),
    profiles: Mapping[str, Mapping[str, Any]] | None = None,
    method: Method = "auto",
    preferred: Sequence[str] = (),
) -> ConsortiumProposal:
    """Propose the smallest, least risky consortium for a task on ``node`` (see the module).

    Parameters
    ----------
    chain, perspective : the chain and whose home, allies and restrictions count.
    task, node : the task's id and node.
    capabilities : capabilities the task requires (e.g. a challenge's).
    profiles : capability profiles by actor (``keywords``, ``nodes``, ``pilot``...).
    method : ``exact`` (integer programme), ``greedy``, or ``auto`` (exact up to
        :data:`EXACT_LIMIT` eligible actors).
    preferred : actors the task already names (its lead first, then its partners): among equally
        small consortia they are chosen first (the lead as if it held the whole node, partners
        half of it).

    Returns
    -------
    ConsortiumProposal
    """
    eligible, excluded = eligible_actors(chain, perspective, node, capabilities, profiles or {})
    bonus = {a: (1.0 if k == 0 else 0.5) for k, a in enumerate(preferred)}
    strength = [max(e.strength, bonus.get(e.actor, 0.0)) for e in eligible]
    required = [*POSITIONS, *(f"cap:{c.strip()}" for c in capabilities if c.strip())]
    coverable = set().union(*(e.covers for e in eligible)) if eligible else set()
    gaps = [e for e in required if e not in coverable]
    sets = [frozenset(e.covers & set(required)) for e in eligible]
    m = len(eligible)
    # size first; then risk and strength; then the actor's place in the chain (a tie-break both
    # methods share, so that greedy and exact agree when they can)
    costs = [
        1.0 + (e.risk + 1.0 - s) / (2 * (m + 1)) + j * 1e-6 / (m + 1)
        for j, (e, s) in enumerate(zip(eligible, strength, strict=True))
    ]
    use = method if method != "auto" else ("exact" if len(eligible) <= EXACT_LIMIT else "greedy")
    if use not in ("exact", "greedy"):
        raise UsageError(f"unknown method {method!r}: use auto, greedy or exact")
    chosen = exact_cover(sets, costs) if use == "exact" else greedy_cover(sets, costs)
    bound = 1.0 if use == "exact" else harmonic(max((len(s) for s in sets), default=1))
    order = {p: i for i, p in enumerate(POSITIONS)}
    members = sorted(
        (eligible[j] for j in chosen),
        key=lambda m: (min((order[e] for e in m.covers if e in order), default=len(order)), m.risk, m.actor),
    )
    return ConsortiumProposal(task, node, members, required, gaps, use, bound, len(eligible), excluded)
