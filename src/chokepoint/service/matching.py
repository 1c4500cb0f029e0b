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
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.assess import Perspective
from chokepoint.errors import InputFileError, NotFoundError, UsageError
from chokepoint.io.embedding_model import local_embedder
from chokepoint.match.challenges import match_challenge, new_challenge, profiles_from_frame
from chokepoint.model.chain import ChainMap
from chokepoint.service.perspective import Codes, optional_perspective, resolve_perspective
from chokepoint.store import Store

#: File types a profile import reads.
PROFILE_SUFFIXES = (".csv", ".xlsx", ".json")


def list_challenges(store: Store, project: str) -> list[dict[str, Any]]:
    """The project's challenges, each with its ``id``, by id."""
    return [{"id": k, **v} for k, v in store.records.get(project, "challenge").items()]


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
) -> tuple[str, dict[str, Any]]:
    """Validate and store a new challenge; its key and body.

    Parameters
    ----------
    title, description : what has to be solved (Chinese or English); a title is required.
    nodes : linked node ids (each must be a node of the project's chain).
    capabilities : required capabilities.
    owner : the publishing enterprise (an actor id or name, never its own solver) or a user.
    budget, deadline : optional; the deadline as ``YYYY-MM-DD``.

    Returns
    -------
    The key (``C0001``, ``C0002``, ... per project) and the stored body (status ``open``).

    Raises
    ------
    UsageError
        Without a title, or for an unknown node.
    """
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
    key = store.records.add_numbered(project, "challenge", "C", body)
    return key, body


def challenge_with_bids(store: Store, project: str, key: str) -> dict[str, Any]:
    """A stored challenge with its ``id`` and ``bids``.

    Raises
    ------
    NotFoundError
        When the project holds no challenge ``key`` (the message names the project).
    """
    body = store.records.get(project, "challenge").get(key)
    if body is None:
        raise NotFoundError(f"no challenge {key!r} in project {project!r}")
    bids = [b for b in store.records.get(project, "bid").values() if b["challenge"] == key]
    return {"id": key, **body, "bids": bids}


def record_bid(store: Store, project: str, challenge: str, actor: str, note: str = "") -> dict[str, Any]:
    """Record that ``actor`` steps forward for ``challenge`` (揭榜); one bid per actor and challenge
    (a second one replaces the first).

    Raises
    ------
    NotFoundError
        For an unknown challenge.
    UsageError
        When ``actor`` is not an actor of the project's chain.
    """
    challenge_with_bids(store, project, challenge)  # raises when the challenge is unknown
    if actor not in set(store.chains.load(project).actors["id"]):
        raise UsageError(f"{actor!r} is not an actor of project {project!r}")
    bid = {"challenge": challenge, "actor": actor, "note": note}
    store.records.put(project, "bid", {f"{challenge}:{actor}": bid})
    return bid


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
