"""Routes of collaborative innovation matching (产学研对接, 揭榜挂帅): challenges, bids, profiles.

Readers see challenges, their ranked solvers and the profiles; officers, analysts and admins
publish challenges and record bids. Reporters (enterprise accounts) have no access here yet.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from chokepoint.api.deps import OFFICERS, READERS, User, allow, audit, chain_of, get_store
from chokepoint.api.serialize import records as _records
from chokepoint.assess import Perspective
from chokepoint.match.service import add_bid, add_challenge, challenge_with_bids, match_challenge
from chokepoint.service.perspective import resolve_perspective

router = APIRouter(tags=["matching"])


class ChallengeBody(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    nodes: list[str] = []
    capabilities: list[str] = []
    owner: str = ""
    budget: float | None = Field(None, ge=0)
    deadline: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class BidBody(BaseModel):
    actor: str = Field(min_length=1)
    note: str = ""


@router.get("/projects/{project}/challenges")
def list_challenges(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[dict]:
    return [{"id": k, **v} for k, v in get_store(request).records(project, "challenge").items()]


@router.post("/projects/{project}/challenges", status_code=201)
def publish_challenge(
    project: str, body: ChallengeBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, Any]:
    key, stored = add_challenge(get_store(request), project, **body.model_dump())
    audit(request, "publish challenge", after={"project": project, "challenge": key})
    return {"id": key, **stored}


@router.get("/projects/{project}/challenges/{challenge}")
def get_challenge(
    project: str, challenge: str, request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    return challenge_with_bids(get_store(request), project, challenge)


@router.get("/projects/{project}/challenges/{challenge}/matches")
def challenge_matches(
    project: str,
    challenge: str,
    request: Request,
    top: int = Query(20, ge=1, le=500),
    include_restricted: bool = False,
    semantic: Literal["none", "lsa"] = "none",
    lang: Literal["en", "zh"] = "en",
    home: str | None = None,
    restricted: str | None = None,
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """Solvers ranked for the challenge under the perspective (``home``, ``restricted``, else the
    project's stored one), each with its ``standing`` and explanation.

    Home and allied candidates with evidence come first, then neutral ones; candidates from
    restricted countries are left out unless ``include_restricted=true``, and then come flagged
    after every other one. Data aggregates and the challenge's owner are never candidates.
    ``lang=zh`` gives Chinese explanations; ``semantic=lsa`` blends latent-semantic similarity into
    the text score.
    """
    store = get_store(request)
    body = challenge_with_bids(store, project, challenge)
    perspective: Perspective | None = None
    if home is not None or restricted is not None or store.get_perspective(project):
        perspective = resolve_perspective(
            store, project, home=home, restricted=restricted, chain=chain_of(request, project)
        )
    df = match_challenge(
        chain_of(request, project),
        body,
        store.records(project, "profile"),
        perspective,
        include_restricted=include_restricted,
        top=None,
        embed="lsa" if semantic == "lsa" else None,
        lang=lang,
    )
    return {
        "challenge": challenge,
        "perspective": None if perspective is None else perspective.to_dict(),
        "total": len(df),
        "candidates": _records(df.head(top)),
    }


@router.post("/projects/{project}/challenges/{challenge}/bids", status_code=201)
def record_bid(
    project: str, challenge: str, body: BidBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, Any]:
    bid = add_bid(get_store(request), project, challenge, body.actor, body.note)
    audit(request, "record bid", after={"project": project, "challenge": challenge, "actor": body.actor})
    return bid


@router.get("/projects/{project}/profiles")
def list_profiles(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[dict]:
    return [{"actor": k, **v} for k, v in get_store(request).records(project, "profile").items()]
