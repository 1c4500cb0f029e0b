"""Routes: reporting cycles (联网直报): organisation units of users, data sets, completeness and
timeliness, late reporters and reminders, the review queue and reviews, each user's reports
and notifications, as ``chokepoint units|data-sets|reporting``.

Who sees what is :mod:`chokepoint.service.reporting`'s policy (docs/network.md): a user placed
in a unit sees its subtree; a reporter its own enterprises'.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import ADMINS, ALL_ROLES, EDITORS, OFFICERS, READERS, User, allow, audit, get_store
from chokepoint.api.routes.chain import LINE, TEXT
from chokepoint.service import reporting as svc

router = APIRouter(tags=["reporting"])
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"


class UnitBody(Body):
    """A user's organisation unit: a country code (national) or a region code; blank for none."""

    unit: str = Field("", max_length=80, pattern=r"^([A-Z]{3}|[A-Z]{2}(-[A-Z0-9]{1,20}){1,5})?$")


class DataSetBody(Body):
    """A data set: what enterprises report each month, by when, reviewed at which level."""

    indicators: list[str] = Field(min_length=1, max_length=50)
    enterprises: list[str] = Field(min_length=1, max_length=100_000)
    period_type: Literal["month"] = "month"
    deadline_day: int = Field(10, ge=1, le=28)
    review_level: Literal["none", "national", "province", "city", "district", "park"] = "province"
    title: str = Field("", max_length=200, pattern=LINE)
    title_zh: str = Field("", max_length=200, pattern=LINE)


class ReportKey(Body):
    """One report: enterprise and period, and the revision the reviewer saw."""

    enterprise: str = Field(min_length=1, max_length=200)
    period: str = Field(pattern=PERIOD)
    revision: int | None = Field(None, ge=1)


class ReviewBody(Body):
    """A review of one or more reports: approve, query (查询) or return (退回) with a comment."""

    action: Literal["approve", "query", "return"]
    reports: list[ReportKey] = Field(min_length=1, max_length=10_000)
    comment: str = Field("", max_length=2000, pattern=TEXT)


class ReadBody(Body):
    """Notifications to mark read (none named: all)."""

    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(None, max_length=10_000)


@router.put("/users/{name}/unit")
def set_unit(
    name: str, body: UnitBody, request: Request, user: User = Depends(allow(*ADMINS))
) -> dict[str, Any]:
    """Place a user in an organisation unit (blank: none, the whole instance)."""
    done = svc.set_unit(get_store(request), name, body.unit or None)
    audit(request, "set unit", after=done)
    return done


@router.get("/units")
def list_units(request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, Any]:
    """Every user placed in a unit, and this instance's top unit and raw-report policy."""
    store = get_store(request)
    return {
        "instance_unit": svc.instance_unit(store),
        "raw_levels": list(svc.raw_levels(store)),
        "users": store.reporting.units(),
    }


@router.get("/projects/{project}/data-sets")
def list_data_sets(
    project: str, request: Request, user: User = Depends(allow(*READERS))
) -> list[dict[str, Any]]:
    """The project's data sets."""
    return svc.list_data_sets(get_store(request), project)


@router.put("/projects/{project}/data-sets/{name}")
def put_data_set(
    project: str,
    body: DataSetBody,
    request: Request,
    name: str = Path(..., pattern=NAME, description="The data set's id."),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Create or replace a data set (checked whole: indicators, enterprises, deadline, level)."""
    done = svc.put_data_set(get_store(request), project, {**body.model_dump(), "name": name}, user.name)
    audit(request, "put data set", after={"project": project, "data_set": name})
    return done


@router.delete("/projects/{project}/data-sets/{name}")
def delete_data_set(
    project: str, name: str, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, str]:
    """Delete a data set with its reports and review steps (the reported values stay)."""
    done = svc.delete_data_set(get_store(request), project, name)
    audit(request, "delete data set", before={"project": project, "data_set": name})
    return done


@router.get("/projects/{project}/data-sets/{name}/rates")
def rates(
    project: str,
    name: str,
    request: Request,
    unit: str | None = Query(None, max_length=80, description="A unit of your subtree (default: yours)."),
    period: list[str] | None = Query(None, description="Months YYYY-MM (default: every month reported)."),
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    """Completeness (上报率) and timeliness (及时率) of the unit and each unit below it, per period."""
    return svc.rates(get_store(request), project, name, user.name, unit, period)


@router.get("/projects/{project}/data-sets/{name}/late")
def late(
    project: str,
    name: str,
    request: Request,
    period: str = Query(..., pattern=PERIOD),
    user: User = Depends(allow(*OFFICERS)),
) -> list[dict[str, Any]]:
    """The enterprises of your subtree with no submitted report for the period (催报 list)."""
    return svc.late_reporters(get_store(request), project, name, period, user.name)


@router.post("/projects/{project}/data-sets/{name}/reminders")
def remind(
    project: str,
    name: str,
    request: Request,
    period: str = Query(..., pattern=PERIOD),
    user: User = Depends(allow(*OFFICERS)),
) -> dict[str, Any]:
    """Remind the late reporters of the period: in the app and through the operator's hook."""
    done = svc.remind(get_store(request), project, name, period, user.name)
    audit(
        request,
        "remind late reporters",
        after={"project": project, "data_set": name, "period": period, "reminded": done["reminded"]},
    )
    return done


@router.get("/projects/{project}/review-queue")
def review_queue(
    project: str,
    request: Request,
    data_set: str | None = Query(None, max_length=80),
    user: User = Depends(allow(*OFFICERS)),
) -> list[dict[str, Any]]:
    """The reports waiting for your review (submitted or queried) in your subtree, oldest first."""
    return svc.review_queue(get_store(request), project, user.name, data_set)


@router.post("/projects/{project}/data-sets/{name}/reviews")
def review(
    project: str, name: str, body: ReviewBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> list[dict[str, Any]]:
    """Approve, query or return reports, all or none (409 when one moved on; reload the queue)."""
    items = [(r.enterprise, r.period, r.revision) for r in body.reports]
    done = svc.review(get_store(request), project, name, items, body.action, user.name, body.comment)
    audit(
        request,
        f"review: {body.action}",
        after={"project": project, "data_set": name, "reports": [[e, p] for e, p, _ in items]},
    )
    return done


@router.get("/projects/{project}/data-reports")
def my_reports(
    project: str, request: Request, user: User = Depends(allow(*ALL_ROLES))
) -> list[dict[str, Any]]:
    """The reports you may read raw (a reporter: its own), with state, comment and every step."""
    return svc.my_reports(get_store(request), project, user.name)


@router.get("/notifications")
def notifications(
    request: Request, unread: bool = Query(False), user: User = Depends(allow(*ALL_ROLES))
) -> list[dict[str, Any]]:
    """Your notifications (reminders, queried and returned reports, decisions), newest first."""
    return get_store(request).reporting.notifications(user.name, unread)


@router.post("/notifications/read")
def read_notifications(
    body: ReadBody, request: Request, user: User = Depends(allow(*ALL_ROLES))
) -> dict[str, int]:
    """Mark your notifications read (all, or those named)."""
    return {"read": get_store(request).reporting.mark_read(user.name, body.ids)}
