"""Routes: the chain's nodes and actors (search, one with its provisions, node edits)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import (
    ALL_ROLES,
    EDITORS,
    READERS,
    User,
    allow,
    audit,
    cached,
    cached_json,
    chain_of,
    get_store,
    project_version,
)
from chokepoint.api.serialize import plain, records
from chokepoint.service import projects as svc

router = APIRouter(tags=["chain"])


#: one line of text: no control characters (they break workbooks and terminals)
LINE = r"^[^\x00-\x1f\x7f]*$"
#: free text: line breaks and tabs, no other control character
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


class NodeEdit(Body):
    """Fields of a node an editor may change (absent ones stay); names are one line without
    control characters, descriptions free text without control characters but line breaks.
    """

    name: str | None = Field(None, min_length=1, max_length=300, pattern=LINE)
    name_zh: str | None = Field(None, max_length=300, pattern=LINE)
    threshold: int | None = Field(None, ge=1, le=5)
    gap: float | None = Field(None, ge=0, le=1)
    gap_years: float | None = Field(None, ge=0, le=200)
    substitutability: float | None = Field(None, ge=0, le=1)
    description: str | None = Field(None, max_length=10_000, pattern=TEXT)


#: the columns a search of each table reads
SEARCHED = {"nodes": ["id", "name", "name_zh"], "actors": ["id", "name", "country"]}


def _search(request: Request, project: str, table: str, q: str | None, kind: str | None) -> Any:
    """Search a table of the project with its search index, built once per project version."""
    chain = chain_of(request, project)
    frame = chain.nodes if table == "nodes" else chain.actors
    text = None
    if q:
        version = project_version(request, project)
        text = cached(
            request, ("search", project, version, table), lambda: svc.search_text(frame, SEARCHED[table])
        )
    return svc.search(frame, SEARCHED[table], q, kind, text)


def _search_response(request: Request, project: str, table: str, q: str | None, kind: str | None) -> Response:
    """The cached JSON rows of a search of ``table`` (see :func:`_search`)."""
    key = (table, project, project_version(request, project), q, kind)
    return cached_json(request, key, lambda: records(_search(request, project, table, q, kind)))


def _detail_response(request: Request, project: str, which: str, key_id: str) -> Response:
    """The cached JSON of one node or actor (``which``) with the provisions that name it."""

    def detail() -> dict[str, Any]:
        row, prov = svc.with_provisions(chain_of(request, project), which, key_id)
        return {which: records(row)[0], "provisions": records(prov)}

    return cached_json(request, (which, project, project_version(request, project), key_id), detail)


@router.get("/projects/{project}/nodes", response_model=list[dict[str, Any]])
def list_nodes(
    project: str,
    request: Request,
    q: str | None = None,
    kind: str | None = None,
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Nodes, optionally filtered by a search text (id, English or Chinese name) and kind."""
    return _search_response(request, project, "nodes", q, kind)


@router.get("/projects/{project}/layout")
def chain_drawing(project: str, request: Request, user: User = Depends(allow(*READERS))) -> Response:
    """The chain map as drawn: stage lanes, each node's column (tier), row and pixel position,
    names, kind and provider countries, and the ``input_of``/``type_of`` edges.
    """
    key = ("layout", project, project_version(request, project))
    return cached_json(request, key, lambda: svc.chain_drawing(chain_of(request, project)))


@router.get("/projects/{project}/countries")
def country_names(
    project: str, request: Request, lang: Literal["en", "zh"] = "en", user: User = Depends(allow(*ALL_ROLES))
) -> Response:
    """The name of each country or region code in the project, in English or Chinese."""
    key = ("countries", project, project_version(request, project), lang)
    return cached_json(request, key, lambda: svc.country_names(chain_of(request, project), lang))


@router.get("/projects/{project}/nodes/{node_id}", response_model=dict[str, Any])
def get_node(project: str, node_id: str, request: Request, user: User = Depends(allow(*READERS))) -> Response:
    """One node with the provisions that name it."""
    return _detail_response(request, project, "node", node_id)


@router.patch("/projects/{project}/nodes/{node_id}")
def edit_node(
    project: str, node_id: str, body: NodeEdit, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, Any]:
    """Edit a node's names or assessed attributes; the chain is re-validated as a whole."""
    changes = body.model_dump(exclude_unset=True)
    before, row = svc.edit_node(get_store(request), project, node_id, changes)
    audit(
        request,
        "edit node",
        before={"node": node_id, **{k: plain(v) for k, v in before.items()}},
        after={"node": node_id, **changes},
    )
    return {"node": records(row)[0]}


@router.get("/projects/{project}/actors", response_model=list[dict[str, Any]])
def list_actors(
    project: str,
    request: Request,
    q: str | None = None,
    kind: str | None = None,
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Actors, optionally filtered by a search text (id, name, country) and kind."""
    return _search_response(request, project, "actors", q, kind)


@router.get("/projects/{project}/actors/{actor_id}", response_model=dict[str, Any])
def get_actor(
    project: str, actor_id: str, request: Request, user: User = Depends(allow(*READERS))
) -> Response:
    """One actor with the provisions that name it."""
    return _detail_response(request, project, "actor", actor_id)
