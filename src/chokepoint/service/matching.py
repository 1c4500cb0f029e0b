"""Collaborative innovation matching (产学研对接, 揭榜挂帅) of a stored project.

The use cases over the store: publish and list challenges, record bids (揭榜), import and list
capability profiles, and rank the solvers of a challenge. The pure parts (validating a challenge,
merging profile rows, the ranking) are :mod:`chokepoint.match.challenges`.

The perspective of a ranking is optional: the request's fields (home, restricted, allied, year)
replace the stored default's (:func:`chokepoint.service.perspective.resolve_perspective`); with none
given and none stored, nothing is restricted and every candidate is neutral.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.assess import Perspective
from chokepoint.errors import AccessDeniedError, InputFileError, NotFoundError, UsageError
from chokepoint.io.embedding_model import local_embedder
from chokepoint.match.challenges import match_challenge, new_challenge, profiles_from_frame, standings
from chokepoint.match.lifecycle import BIDDING, apply_action, challenge_status
from chokepoint.model.chain import ChainMap
from chokepoint.service.perspective import Codes, optional_perspective, resolve_perspective
from chokepoint.service.users import reporter
from chokepoint.store import Store

#: File types a profile import reads.
PROFILE_SUFFIXES = (".csv", ".xlsx", ".json")


#: Who the command line acts as (it runs with the store's file, no user account).
LOCAL_OPERATOR = "cli"
#: Roles that award, close and fail challenges.
OFFICER_ROLES = ("admin", "analyst", "officer")


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def list_challenges(store: Store, project: str) -> list[dict[str, Any]]:
    """The project's challenges, each with its ``id`` and current ``status``, by id."""
    return [
        {"id": k, **v, "status": challenge_status(v)}
        for k, v in store.records.get(project, "challenge").items()
    ]


def publish_challenge(
    store: Store,
    project: str,
    title: str,
    description: str = "",
    nodes: Sequence[str] = (),
    capabilities: Sequence[str] = (),
    owner: str = "",
    budget: float | None = None,
    deadline: str | None = None,
    user: str | None = None,
    draft: bool = False,
) -> tuple[str, dict[str, Any]]:
    """Validate and store a new challenge (揭榜挂帅); its key and body.

    Parameters
    ----------
    title, description : what has to be solved (Chinese or English); a title is required.
    nodes : linked node ids (each must be a node of the project's chain).
    capabilities : required capabilities.
    owner : the publishing enterprise (an actor id or name, never its own solver) or a user.
    budget, deadline : optional; the deadline as ``YYYY-MM-DD``.
    user : the user publishing (``None``: the local operator of the command line). A reporter
        publishes for an enterprise bound to it only (``owner`` one of its actors).
    draft : store it as a draft (published later by :func:`challenge_action`).

    Returns
    -------
    The key (``C0001``, ``C0002``, ... per project) and the stored body (status ``published`` or
    ``draft``, with its first ``history`` step); the publication is appended to the project's
    tamper-evident log.

    Raises
    ------
    UsageError
        Without a title, or for an unknown node.
    AccessDeniedError
        For a reporter publishing for an enterprise not bound to it, or a disabled user.
    """
    if user is not None:
        who = reporter(store, user, project)
        if who.role == "reporter" and owner not in who.actors:
            bound = ", ".join(sorted(who.actors)) or "none"
            raise AccessDeniedError(
                f"a reporter publishes challenges for its own enterprise: set owner to one bound "
                f"to {user!r} ({bound})"
            )
    body = new_challenge(
        title,
        description,
        list(nodes),
        list(capabilities),
        owner,
        budget,
        deadline,
        store.chains.load(project),
    )
    by = user or LOCAL_OPERATOR
    status = "draft" if draft else "published"
    body["status"] = status
    body["history"] = [
        {"action": "draft" if draft else "publish", "status": status, "by": by, "at": now_iso()}
    ]
    key = store.records.add_numbered(project, "challenge", "C", body, logged_by=by)
    return key, body


def refuse_excluded(store: Store, project: str, chain: ChainMap, actors: Sequence[str], what: str) -> None:
    """Refuse actors of restricted countries, and data aggregates, under the project's stored
    perspective (none stored: nobody is restricted): they may not bid or be awarded.

    Raises
    ------
    UsageError
        Naming each such actor, its country and why.
    """
    perspective = optional_perspective(store, project, chain=chain)
    known = [a for a in actors if a in set(chain.actors["id"])]
    if perspective is None or not known:
        return
    countries = dict(zip(chain.actors["id"], chain.actors["country"], strict=True))
    codes = [str(countries[a]) for a in known]
    bad = [
        f"{a} ({c}, {s})"
        for a, c, s in zip(known, codes, standings(chain, codes, perspective), strict=True)
        if s in ("restricted", "aggregate")
    ]
    if bad:
        raise UsageError(
            f"{', '.join(bad)}: an actor of a restricted country or a data aggregate cannot {what} "
            f"(perspective {perspective.label()})"
        )


def challenge_with_bids(store: Store, project: str, key: str) -> dict[str, Any]:
    """A stored challenge with its ``id``, ``status`` (see
    :func:`chokepoint.match.lifecycle.challenge_status`) and ``bids``.

    Raises
    ------
    NotFoundError
        When the project holds no challenge ``key`` (the message names the project).
    """
    body = store.records.get(project, "challenge").get(key)
    if body is None:
        raise NotFoundError(f"no challenge {key!r} in project {project!r}")
    bids = [b for b in store.records.get(project, "bid").values() if b["challenge"] == key]
    return {"id": key, **body, "status": challenge_status(body), "bids": bids}


def record_bid(
    store: Store, project: str, challenge: str, actor: str, note: str = "", user: str | None = None
) -> dict[str, Any]:
    """Record that ``actor`` steps forward for ``challenge`` (揭榜); one bid per actor and challenge
    (a second one replaces the first), appended to the project's tamper-evident log.

    A reporter bids for an enterprise bound to it only (the binding check of reporting); others
    (and the local operator, ``user=None``) for any actor of the chain.

    Raises
    ------
    NotFoundError
        For an unknown challenge.
    UsageError
        When ``actor`` is not an actor of the project's chain, or the challenge takes no bids
        (a draft, or awarded, closed or failed).
    AccessDeniedError
        For a reporter bidding for an enterprise not bound to it.
    """
    current = challenge_with_bids(store, project, challenge)  # raises when the challenge is unknown
    if current["status"] not in BIDDING:
        raise UsageError(f"challenge {challenge} is {current['status']}: it takes no bids")
    chain = store.chains.load(project)
    if actor not in set(chain.actors["id"]):
        raise UsageError(f"{actor!r} is not an actor of project {project!r}")
    refuse_excluded(store, project, chain, [actor], "bid")
    if user is not None:
        who = reporter(store, user, project)
        if who.role == "reporter" and actor not in who.actors:
            raise AccessDeniedError(f"user {user!r} may bid only for its own enterprise, not {actor!r}")
    by = user or LOCAL_OPERATOR
    bid = {"challenge": challenge, "actor": actor, "note": note, "by": by, "at": now_iso()}

    def still_open(body: dict[str, Any]) -> None:  # re-read under the challenge's row lock
        status = challenge_status(body)
        if status not in BIDDING:
            raise UsageError(f"challenge {challenge} is {status}: it takes no bids")

    guard = ("challenge", challenge, still_open)
    store.records.put(project, "bid", {f"{challenge}:{actor}": bid}, logged_by=by, guard=guard)
    return bid


def challenge_action(
    store: Store,
    project: str,
    challenge: str,
    action: str,
    user: str | None = None,
    note: str = "",
    winners: Sequence[str] = (),
) -> dict[str, Any]:
    """Take a challenge one step along its lifecycle (:mod:`chokepoint.match.lifecycle`):
    ``publish`` a draft, ``award`` it to bidders, ``close`` it when done, or ``fail`` it; the
    step is recorded (who, when, why) in its history and the project's tamper-evident log.

    Officers, analysts and admins take every step; a reporter may publish its own enterprise's
    draft only. Concurrent steps apply one after the other (the challenge's row lock): of two
    awards, the second finds the challenge awarded and is refused.

    Returns
    -------
    dict
        The challenge as :func:`challenge_with_bids` shows it.

    Raises
    ------
    NotFoundError
        For an unknown challenge.
    UsageError
        For a step its status does not allow, an award to an actor that did not bid, or a failure
        without a reason.
    AccessDeniedError
        For a role that may not take the step.
    """
    current = challenge_with_bids(store, project, challenge)
    if user is not None:
        who = reporter(store, user, project)
        own_draft = action == "publish" and who.role == "reporter" and current.get("owner") in who.actors
        if who.role not in OFFICER_ROLES and not own_draft:
            raise AccessDeniedError(f"user {user!r} ({who.role}) may not {action} challenges")
    bidders = [b["actor"] for b in current["bids"]]
    if action == "award":
        refuse_excluded(store, project, store.chains.load(project), list(winners), "be awarded")
    by, at = user or LOCAL_OPERATOR, now_iso()
    store.records.update(
        project,
        "challenge",
        challenge,
        lambda body: apply_action(body, action, by, at, note=note, winners=winners, bidders=bidders),
        logged_by=by,
    )
    return challenge_with_bids(store, project, challenge)


def read_profile_frame(path: Path) -> pd.DataFrame:
    """The rows of a profile file (.csv, .xlsx or .json records), every value a string.

    Raises
    ------
    UsageError
        For another file type.
    InputFileError
        When the file cannot be read.
    """
    ext = path.suffix.lower()
    if ext not in PROFILE_SUFFIXES:
        raise UsageError("profiles come as .csv, .xlsx or .json")
    try:
        if ext == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        if ext == ".xlsx":
            return pd.read_excel(path, dtype=str).fillna("")
        return pd.DataFrame(json.loads(path.read_text(encoding="utf-8"))).fillna("").astype(str)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise InputFileError(path.name, f"cannot read profiles: {exc}") from exc


@dataclass(frozen=True)
class ProfileImport:
    """What a profile import stored: the profiles by actor, from the file ``source``."""

    source: str
    profiles: dict[str, dict[str, Any]]

    @property
    def evidence(self) -> int:
        """The number of evidence records imported."""
        return sum(len(p["evidence"]) for p in self.profiles.values())

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer of an import: file, counts and the actors profiled."""
        return {
            "file": self.source,
            "profiles": len(self.profiles),
            "evidence": self.evidence,
            "actors": sorted(self.profiles),
        }


def import_profiles(store: Store, project: str, path: Path) -> ProfileImport:
    """Import capability profiles and evidence (patents, papers, projects) from a file.

    One row per evidence record: ``actor, description, keywords, nodes, evidence_kind,
    evidence_title, evidence_abstract``; rows of one actor are merged, and a stored profile of the
    same actor is replaced.

    Raises
    ------
    ChainValidationError
        When any row names an unknown actor or node (file, row and column named): nothing is stored.
    UsageError, InputFileError
        For a file of another type, or one that cannot be read.
    """
    frame = read_profile_frame(path)
    profiles = profiles_from_frame(
        frame, list(range(2, len(frame) + 2)), path.name, store.chains.load(project)
    )
    store.records.put(project, "profile", profiles)
    return ProfileImport(path.name, profiles)


def list_profiles(store: Store, project: str) -> list[dict[str, Any]]:
    """The project's capability profiles, each with its ``actor``, by actor."""
    return [{"actor": k, **v} for k, v in store.records.get(project, "profile").items()]


@dataclass(frozen=True)
class SolverRanking:
    """The solvers ranked for a challenge: the rows shown, how many there are, the perspective."""

    challenge: str
    perspective: Perspective | None
    frame: pd.DataFrame
    total: int


def rank_solvers(
    store: Store,
    project: str,
    challenge: str,
    *,
    home: Codes = None,
    restricted: Codes = None,
    allied: Codes = None,
    year: int | None = None,
    include_restricted: bool = False,
    embed: str | None = None,
    lang: str = "en",
    top: int | None = None,
    chain: ChainMap | None = None,
) -> SolverRanking:
    """Institutions and firms able to solve a stored challenge, ranked and explained.

    Parameters
    ----------
    home, restricted, allied, year : perspective fields replacing the stored default's; with
        none given and none stored the ranking has no perspective (everyone neutral).
    include_restricted : also rank candidates from restricted countries (flagged, last).
    embed : ``"lsa"`` (latent semantic analysis on the candidates' documents) or the folder of a
        locally saved sentence-transformers model (never downloaded); ``None``: BM25 only.
    lang : ``"en"`` or ``"zh"``, the language of explanations and node names.
    top : only the first ``top`` rows in ``frame`` (``total`` counts every ranked candidate).
    chain : the project's chain when the caller has it.

    Returns
    -------
    The rows of :func:`chokepoint.match.challenges.match_challenge` and the perspective used.

    Raises
    ------
    NotFoundError
        For an unknown challenge.
    UsageError
        For a perspective field given without any home economy (given or stored), an unknown
        language or a bad embedding model folder.
    """
    body = challenge_with_bids(store, project, challenge)
    chain = chain if chain is not None else store.chains.load(project)
    fields: dict[str, Any] = {"home": home, "restricted": restricted, "allied": allied, "year": year}
    perspective = (
        resolve_perspective(store, project, chain=chain, **fields)
        if any(v is not None for v in fields.values())
        else optional_perspective(store, project, chain=chain)
    )
    encoder: Any = embed
    if embed is not None and embed != "lsa":
        encoder = local_embedder(embed)
    df = match_challenge(
        chain,
        body,
        store.records.get(project, "profile"),
        perspective,
        include_restricted=include_restricted,
        top=None,
        embed=encoder,
        lang=lang,
    )
    return SolverRanking(challenge, perspective, df if top is None else df.head(top), len(df))
