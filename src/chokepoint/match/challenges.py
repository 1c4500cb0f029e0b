"""Challenges and capability profiles over a chain, and the solvers ranked for a challenge (pure).

Nothing here touches a store: the use cases over a stored project (publish, bid, import profiles,
rank solvers) are :mod:`chokepoint.service.matching`. The ranking itself is
:func:`chokepoint.match.rank.rank_candidates`. Every enterprise and institution of the chain is a
candidate, except data aggregates (ETO's "Various companies", country ``VAR``) and the challenge's
owner; restricted ones only on request. A candidate's document is its profile (description,
keywords, evidence titles and abstracts) when it has one, plus its name and the names (English and
Chinese) of the nodes it provides.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.assess.perspective import Perspective
from chokepoint.errors import ChainValidationError, Problem, UsageError
from chokepoint.match.lsa import lsa_embedder
from chokepoint.match.rank import Candidate, Embedder, proximity, rank_candidates
from chokepoint.model.chain import ORGANIZATION_KINDS, ChainMap

PROFILE_COLUMNS = [
    "actor",
    "description",
    "keywords",
    "nodes",
    "evidence_kind",
    "evidence_title",
    "evidence_abstract",
    "process",
    "equipment",
    "scale",
    "availability",
]


def profiles_from_frame(
    frame: pd.DataFrame, rows: list[int], source: str, chain: ChainMap
) -> dict[str, dict[str, Any]]:
    """Capability profiles by actor, read from the rows of a profile upload.

    Rows have the columns ``actor, description, keywords, nodes, evidence_kind, evidence_title,
    evidence_abstract`` (one row per evidence record; rows of one actor merged), and for a
    pilot-scale platform (中试平台) ``process, equipment`` (``;``-separated), ``scale`` and
    ``availability`` (kept as its ``pilot`` capabilities). Unknown actors or nodes are errors
    naming file, row and column; nothing is kept on error.

    Raises
    ------
    ChainValidationError
        The ``actor`` column is missing, or a row names an unknown actor or node.
    """
    problems = []
    if "actor" not in frame.columns:
        raise ChainValidationError([Problem(source, None, "actor", "required column 'actor' is missing")])
    actors = set(chain.actors["id"])
    nodes = set(chain.nodes["id"])
    out: dict[str, dict[str, Any]] = {}
    f = frame.fillna("").astype(str)
    for k, r in enumerate(f.to_dict("records")):
        row = rows[k]
        a = r["actor"].strip()
        if a not in actors:
            problems.append(
                Problem(source, row, "actor", f"{a!r} is not an actor of the chain", code="unknown_reference")
            )
            continue
        ns = [n.strip() for n in r.get("nodes", "").split(";") if n.strip()]
        for n in ns:
            if n not in nodes:
                problems.append(
                    Problem(
                        source, row, "nodes", f"{n!r} is not a node of the chain", code="unknown_reference"
                    )
                )
        p = out.setdefault(a, {"actor": a, "description": "", "keywords": [], "nodes": [], "evidence": []})
        if r.get("description"):
            p["description"] = (p["description"] + " " + r["description"]).strip()
        p["keywords"] += [w.strip() for w in r.get("keywords", "").split(";") if w.strip()]
        p["nodes"] += [n for n in ns if n not in p["nodes"]]
        pilot = {
            "process": [w.strip() for w in r.get("process", "").split(";") if w.strip()],
            "equipment": [w.strip() for w in r.get("equipment", "").split(";") if w.strip()],
            "scale": r.get("scale", "").strip(),
            "availability": r.get("availability", "").strip(),
        }
        if any(pilot.values()):  # a pilot-scale platform's capabilities (中试)
            held = p.setdefault("pilot", {"process": [], "equipment": [], "scale": "", "availability": ""})
            for name in ("process", "equipment"):
                held[name] += [w for w in pilot[name] if w not in held[name]]
            for name in ("scale", "availability"):
                held[name] = pilot[name] or held[name]
        if r.get("evidence_title"):
            p["evidence"].append(
                {
                    "kind": r.get("evidence_kind", ""),
                    "title": r["evidence_title"],
                    "abstract": r.get("evidence_abstract", ""),
                }
            )
    if problems:
        raise ChainValidationError(problems)
    return out


def candidates(chain: ChainMap, profiles: dict[str, dict[str, Any]]) -> list[Candidate]:
    """Every enterprise and institution of the chain as a solver candidate.

    A candidate's document is its name, its profile (description, keywords, evidence titles and
    abstracts) and the names of the nodes it provides or its profile names.
    """
    orgs = chain.actors[chain.actors["kind"].isin(ORGANIZATION_KINDS)]
    names = dict(zip(chain.nodes["id"], chain.nodes["name"] + " " + chain.nodes["name_zh"], strict=True))
    provided: dict[str, set[str]] = {}
    for a, n in zip(chain.provisions["actor"], chain.provisions["node"], strict=True):
        provided.setdefault(a, set()).add(n)
    out = []
    for a, name, country in zip(orgs["id"], orgs["name"], orgs["country"], strict=True):
        p = profiles.get(a, {})
        nodes = provided.get(a, set()) | set(p.get("nodes", []))
        evidence = [e["title"] for e in p.get("evidence", [])]
        text = " ".join(
            [
                name,
                p.get("description", ""),
                " ".join(p.get("keywords", [])),
                " ".join(f"{e['title']} {e['abstract']}" for e in p.get("evidence", [])),
                " ".join(p.get("pilot", {}).get("process", []) + p.get("pilot", {}).get("equipment", [])),
                " ".join(names.get(n, "") for n in sorted(nodes)),
            ]
        )
        out.append(Candidate(a, name, country, text, frozenset(nodes), tuple(evidence)))
    return out


def _owner_ids(chain: ChainMap, owner: str) -> set[str]:
    """Actors meant by a challenge's ``owner``.

    The actor with that id, else those whose name, Chinese name or alias is ``owner`` (case and
    surrounding spaces ignored).
    """
    owner = (owner or "").strip()
    if not owner:
        return set()
    actors = chain.actors
    if owner in set(actors["id"]):
        return {owner}
    key = owner.casefold()
    return {
        a
        for a, name, name_zh, aliases in zip(
            actors["id"], actors["name"], actors["name_zh"], actors["aliases"], strict=True
        )
        if key in {str(x).strip().casefold() for x in (name, name_zh, *aliases) if str(x).strip()}
    }


#: Stands for "no perspective": its home matches no code, nothing is restricted or allied.
_NO_PERSPECTIVE = Perspective(home=("\0",))


def standings(chain: ChainMap, codes: list[str], perspective: Perspective | None) -> list[str]:
    """Standing of each country code from ``perspective``: home, allied, neutral, restricted or aggregate.

    ``aggregate`` is a region without declared members, or whose members differ in class (by
    :func:`~chokepoint.assess.supply.classify_codes`). An empty code (country unknown) is
    ``neutral``; without a perspective nothing is home, allied or restricted.
    """
    from chokepoint.assess.supply import CLASS_NAMES, NEUTRAL, classify_codes

    cls = classify_codes(np.array(codes, dtype=object), chain, perspective or _NO_PERSPECTIVE)
    return [CLASS_NAMES[NEUTRAL] if c == "" else CLASS_NAMES[k] for c, k in zip(codes, cls, strict=True)]


def match_challenge(
    chain: ChainMap,
    challenge: dict[str, Any],
    profiles: dict[str, dict[str, Any]],
    perspective: Perspective | None,
    *,
    include_restricted: bool = False,
    top: int | None = 20,
    embed: Embedder | Literal["lsa"] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Solvers ranked for a stored challenge under ``perspective``.

    Candidates are the chain's enterprises and institutions except data aggregates (an
    organization whose country is a region without declared members, such as ETO's "Various
    companies" in ``VAR``) and the challenge's owner (``challenge["owner"]``: an actor id, or an
    actor's name or alias). Restricted candidates are left out unless ``include_restricted``; then
    they come flagged (``restricted``), after every other candidate. Each row has the candidate's
    ``standing`` (home, allied, neutral, restricted); order and scores as in
    :func:`~chokepoint.match.rank.rank_candidates`, which also ranks the left-out ones, so that a
    candidate's score does not depend on the filter. Without a perspective nothing is restricted
    and every candidate is neutral. ``lang`` (``"en"``, ``"zh"``) is the language of explanations
    and node names. ``embed`` is an optional dense text encoder, or ``"lsa"`` for latent semantic
    analysis fitted on the candidates' documents and the challenge
    (:func:`~chokepoint.match.lsa.lsa_embedder`).
    """
    from chokepoint.assess.score import assess
    from chokepoint.lists.common import related_nodes as _related

    if lang not in ("en", "zh"):
        raise UsageError(f"unknown language {lang!r}: use en or zh")
    everyone = candidates(chain, profiles)
    standing_of = dict(
        zip(
            (c.country for c in everyone),
            standings(chain, [c.country for c in everyone], perspective),
            strict=True,
        )
    )
    cands = [c for c in everyone if standing_of[c.country] != "aggregate"]
    node_ids = list(chain.index.node_ids)
    rel_matrix: dict[str, set[str]] = {}
    if perspective is not None:
        a = assess(chain, perspective)
        rel = _related(a)
        for n in challenge.get("nodes", []):
            i = chain.index.node_position(n)
            rel_matrix[n] = {node_ids[j] for j in rel[[i]].indices}
    pos = {n: j for j, n in enumerate(node_ids)}
    rows, cols = [], []
    for k, c in enumerate(cands):
        for n in c.nodes:
            if n in pos:
                rows.append(k)
                cols.append(pos[n])
    provides = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(cands), len(node_ids)))
    text = " ".join(
        [
            challenge.get("title", ""),
            challenge.get("description", ""),
            " ".join(challenge.get("capabilities", [])),
        ]
    )
    if embed == "lsa":
        embed = lsa_embedder([c.text for c in cands] + [text], seed=0)
    nodes = chain.nodes
    names = nodes["name"].fillna("").astype(str)
    if lang == "zh":  # Chinese names, English where a node has none
        zh = nodes["name_zh"].fillna("").astype(str).str.strip()
        names = zh.where(zh != "", names)
    df = rank_candidates(
        text,
        challenge.get("nodes", []),
        cands,
        node_ids=node_ids,
        related=rel_matrix,
        phi=proximity(provides),
        standing={k: v for k, v in standing_of.items() if v != "aggregate"},
        node_names=dict(zip(nodes["id"], names, strict=True)),
        lang=lang,
        embed=embed,
    )
    keep = ~df["actor"].isin(_owner_ids(chain, str(challenge.get("owner") or "")))
    if not include_restricted:
        keep &= ~df["restricted"]
    df = df[keep].reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    return df if top is None else df.head(top)


def new_challenge(
    title: str,
    description: str,
    nodes: list[str],
    capabilities: list[str],
    owner: str,
    budget: float | None,
    deadline: str | None,
    chain: ChainMap,
) -> dict[str, Any]:
    """Return a new, published challenge's body, validated against ``chain`` (a title; known nodes
    only); :mod:`chokepoint.match.lifecycle` takes it further.
    """
    if not title.strip():
        raise UsageError("a challenge needs a title")
    unknown = [n for n in nodes if n not in set(chain.nodes["id"])]
    if unknown:
        raise UsageError(f"unknown node(s) {', '.join(unknown)}")
    return {
        "title": title,
        "description": description,
        "nodes": nodes,
        "capabilities": capabilities,
        "owner": owner,
        "budget": budget,
        "deadline": deadline,
        "status": "published",
    }
