"""Routes of collaborative innovation matching (产学研对接, 揭榜挂帅): challenges, bids, profiles.

Readers see challenges, their ranked solvers and the profiles; officers, analysts and admins
publish challenges and record bids; analysts and admins import profiles. Reporters (enterprise
accounts) have no access here yet. The use cases are :mod:`chokepoint.service.matching`.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import (
    EDITORS,
    READERS,
    REPORTERS,
    PerspectiveQuery,
    User,
    allow,
    audit,
    chain_of,
    get_store,
    heavy_write,
    perspective_query,
)
from chokepoint.api.serialize import records
from chokepoint.api.uploads import saved_upload
from chokepoint.service import matching as svc

router = APIRouter(tags=["matching"])


class ChallengeBody(Body):
    """A new challenge: title, description, linked nodes, required capabilities, owner, budget, deadline."""

    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    nodes: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)
    owner: str = ""
    budget: float | None = Field(None, ge=0)
    deadline: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    draft: bool = False


class BidBody(Body):
    """A bid: the solver stepping forward (actor id) and a proposal summary."""

    actor: str = Field(min_length=1)
    note: str = ""


@router.get("/projects/{project}/challenges")
def list_challenges(
    project: str, request: Request, user: User = Depends(allow(*READERS))
) -> list[dict[str, Any]]:
    """The project's challenges, by id."""
    return svc.list_challenges(get_store(request), project)


@router.post("/projects/{project}/challenges", status_code=201)
def publish_challenge(
    project: str, body: ChallengeBody, request: Request, user: User = Depends(allow(*REPORTERS))
) -> dict[str, Any]:
    """Publish a challenge (揭榜挂帅), or store a draft; its id runs C0001, C0002, ... per project.
    A reporter publishes for its own bound enterprise only (``owner``).
    """
    key, stored = svc.publish_challenge(get_store(request), project, **body.model_dump(), user=user.name)
    audit(request, "publish challenge", after={"project": project, "challenge": key})
    return {"id": key, **stored}


@router.get("/projects/{project}/challenges/{challenge}")
def get_challenge(
    project: str, challenge: str, request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """One challenge with its bids."""
    return svc.challenge_with_bids(get_store(request), project, challenge)


@router.get("/projects/{project}/challenges/{challenge}/matches")
def challenge_matches(
    project: str,
    challenge: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    top: int = Query(20, ge=1, le=500),
    include_restricted: bool = False,
    semantic: Literal["none", "lsa"] = "none",
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """Solvers ranked for the challenge under the perspective, each with its ``standing`` and
    explanation.

    The perspective is the project's stored one with each query field (``home``, ``restricted``,
    ``allied``, ``year``) replacing its own; with none given and none stored, every candidate is
    neutral. Home and allied candidates with evidence come first, then neutral ones; candidates
    from restricted countries are left out unless ``include_restricted=true``, and then come
    flagged after every other one. Data aggregates and the challenge's owner are never candidates.
    ``lang=zh`` gives Chinese explanations; ``semantic=lsa`` blends latent-semantic similarity into
    the text score.
    """
    ranking = svc.rank_solvers(
        get_store(request),
        project,
        challenge,
        home=pq.home,
        restricted=pq.restricted,
        allied=pq.allied,
        year=pq.year,
        include_restricted=include_restricted,
        embed="lsa" if semantic == "lsa" else None,
        lang=lang,
        top=top,
        chain=chain_of(request, project),
    )
    return {
        "challenge": challenge,
        "perspective": None if ranking.perspective is None else ranking.perspective.to_dict(),
        "total": ranking.total,
        "candidates": records(ranking.frame),
    }


@router.post("/projects/{project}/challenges/{challenge}/bids", status_code=201)
def record_bid(
    project: str, challenge: str, body: BidBody, request: Request, user: User = Depends(allow(*REPORTERS))
) -> dict[str, Any]:
    """Record a bid: a solver steps forward for the challenge (揭榜); a reporter bids for its own
    bound enterprise only.
    """
    bid = svc.record_bid(get_store(request), project, challenge, body.actor, body.note, user=user.name)
    audit(request, "record bid", after={"project": project, "challenge": challenge, "actor": body.actor})
    return bid


class StepBody(Body):
    """A lifecycle step: why (required to fail), and for an award the solvers awarded."""

    note: str = Field("", max_length=2000)
    winners: list[str] = Field([], max_length=50)


@router.post("/projects/{project}/challenges/{challenge}/{action}")
def challenge_step(
    project: str,
    challenge: str,
    action: Literal["publish", "award", "close", "fail"],
    body: StepBody,
    request: Request,
    user: User = Depends(allow(*REPORTERS)),
) -> dict[str, Any]:
    """Take a challenge one step: publish a draft, award it to bidders, close it, or fail it.
    Officers, analysts and admins take every step; a reporter publishes its own draft only.
    """
    done = svc.challenge_action(
        get_store(request), project, challenge, action, user=user.name, note=body.note, winners=body.winners
    )
    audit(
        request,
        f"{action} challenge",
        after={"project": project, "challenge": challenge, "status": done["status"]},
    )
    return done


@router.get("/projects/{project}/profiles")
def list_profiles(
    project: str, request: Request, user: User = Depends(allow(*READERS))
) -> list[dict[str, Any]]:
    """The project's capability profiles, by actor."""
    return svc.list_profiles(get_store(request), project)


@router.post("/projects/{project}/profiles")
def import_profiles(
    project: str,
    request: Request,
    file: UploadFile = File(..., description="Capability profiles: .csv, .xlsx or .json"),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Import capability profiles and evidence, as ``chokepoint profiles import``.

    One row per evidence record (``actor, description, keywords, nodes, evidence_kind,
    evidence_title, evidence_abstract``); a file with any bad row stores nothing (422 naming
    file, row and column).
    """
    with (
        heavy_write(request, "the import"),
        saved_upload(file, svc.PROFILE_SUFFIXES, "profiles come as .csv, .xlsx or .json") as path,
    ):
        done = svc.import_profiles(get_store(request), project, path)
    audit(
        request,
        "import profiles",
        after={"project": project, "file": done.source, "profiles": len(done.profiles)},
    )
    return done.to_dict()
