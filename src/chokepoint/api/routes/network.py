"""Routes: the reporting network between instances (bundles in, status, merged totals, rates,
alerts, conflicts) and coordinated decisions (escalations), as ``chokepoint network|escalations``.

``POST /api/network/bundles`` is how a registered instance below delivers a signed bundle; it
logs in with a bearer token of an account the receiving instance's admin made for it (roles
admin or officer), and the bundle's Ed25519 signature must match the sender's registered key.
Every refusal is audited with its reason (:func:`chokepoint.service.exchange.receive`).
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ConfigDict, Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import ADMINS, OFFICERS, READERS, User, allow, audit, get_store
from chokepoint.api.routes.chain import TEXT
from chokepoint.api.routes.monitoring import RowId
from chokepoint.service import escalations as esc
from chokepoint.service import exchange as svc

router = APIRouter(tags=["network"])
TOKEN_ENV = "CHOKEPOINT_NETWORK_TOKEN"


class BundleBody(Body):
    """A signed exchange bundle (docs/network.md); its fields are checked by the service."""

    model_config = ConfigDict(extra="allow")


class EscalationBody(Body):
    """Why an alert goes up, and optionally to which unit (default: the one above yours)."""

    reason: str = Field(min_length=1, max_length=4000, pattern=TEXT)
    to_unit: str | None = Field(None, max_length=80, pattern=r"^([A-Z]{3}|[A-Z]{2}(-[A-Z0-9]{1,20}){1,5})$")


class DecisionBody(Body):
    """What was decided on an escalation, and why."""

    decision: str = Field(min_length=1, max_length=4000, pattern=TEXT)
    why: str = Field(min_length=1, max_length=4000, pattern=TEXT)


@router.get("/network")
def status(request: Request, user: User = Depends(allow(*READERS))) -> dict[str, Any]:
    """The instance answering, its peers (fingerprints, each sender's last exchange), the outbox."""
    return svc.exchange_status(get_store(request), user.name)


@router.post("/network/bundles")
def receive_bundle(
    body: BundleBody, request: Request, user: User = Depends(allow("admin", "officer"))
) -> dict[str, Any]:
    """Merge a signed bundle from a registered instance; the reply is signed by this instance.

    403 ``bundle_refused`` (unknown sender, bad signature, wrong receiver, digest mismatch) and
    409 ``bundle_gap`` (``details.expected``: the sequence to send next) merge nothing.
    """
    raw = body.model_dump()
    audit(request, "receive bundle", after={"sender": raw.get("sender"), "sequence": raw.get("sequence")})
    return svc.receive(get_store(request), raw, via=user.name)


@router.post("/network/prepare")
def prepare(request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, Any]:
    """Put the approved reports not yet sent into signed bundles for the receiver."""
    done = svc.prepare(get_store(request))
    audit(request, "prepare bundles", after=done)
    return done


@router.post("/network/push")
def push(request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, Any]:
    """Send the waiting bundles to the receiver's URL (its token in ``$CHOKEPOINT_NETWORK_TOKEN``)."""
    from chokepoint.io.exchange_http import http_sender

    store = get_store(request)
    peer = next((p for p in store.network.peers() if p["role"] == "receiver"), None)
    url = peer["url"] if peer else ""
    done = svc.push(store, http_sender(url, os.environ.get(TOKEN_ENV, ""), timeout=30) if url else _no_url)
    audit(request, "push bundles", after={k: done[k] for k in ("sent", "duplicates", "waiting")})
    return done


def _no_url(bundle: dict[str, Any]) -> dict[str, Any]:
    raise OSError("the receiver has no URL: register it with --url, or carry the bundles as files")


@router.get("/network/totals")
def totals(
    request: Request,
    data_set: str | None = Query(None, max_length=200),
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    """Sums of the reviewed values received, by region and for the nation (conflicts left out)."""
    return svc.totals(get_store(request), data_set, user=user.name)


@router.get("/network/rates")
def network_rates(request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """Each region's completeness and timeliness per data set and period, and the nation's."""
    return svc.network_rates(get_store(request), user.name)


@router.get("/network/alerts")
def network_alerts(request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """Open alerts of each region by level, as of its last bundle."""
    return svc.network_alerts(get_store(request), user.name)


@router.get("/network/chokepoints")
def network_chokepoints(request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """The chokepoints the regions find: per technology, how many regions rate it I or II, and how."""
    return svc.network_chokepoints(get_store(request), user.name)


@router.get("/network/conflicts")
def conflicts(request: Request, user: User = Depends(allow(*OFFICERS))) -> list[dict[str, Any]]:
    """Enterprises two regions both sent: each region's value (neither overwrites the other)."""
    return svc.conflicts(get_store(request), user.name)


@router.get("/escalations")
def list_escalations(request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """The escalations your unit is involved in, newest first, with their decisions."""
    return esc.visible(get_store(request), user.name)


@router.post("/projects/{project}/alerts/{alert_id}/escalate")
def escalate(
    project: str,
    alert_id: RowId,
    body: EscalationBody,
    request: Request,
    user: User = Depends(allow(*OFFICERS)),
) -> dict[str, Any]:
    """Escalate an alert of your subtree to the unit above (or the one named)."""
    done = esc.escalate(get_store(request), project, alert_id, user.name, body.reason, body.to_unit)
    audit(request, "escalate alert", after={"project": project, "alert": alert_id, "to": done["to_unit"]})
    return done


@router.post("/escalations/{escalation_id}/decision")
def decide(
    escalation_id: RowId, body: DecisionBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, Any]:
    """Record the decision on an escalation sent to your unit: what, and why."""
    done = esc.decide(get_store(request), escalation_id, user.name, body.decision, body.why)
    audit(request, "decide escalation", after={"escalation": escalation_id, "decision": body.decision})
    return done
