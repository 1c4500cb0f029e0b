"""The API's routers, one per resource; :func:`chokepoint.api.app.create_app` mounts them under ``/api``."""

from chokepoint.api.routes import (
    assessment,
    auth,
    chain,
    consortium,
    experts,
    ledger,
    lists,
    macro,
    matching,
    materials,
    monitoring,
    network,
    projects,
    regions,
    reporting,
    reports,
    roadmap,
    scenarios,
    trade,
    users,
)

ROUTERS = [
    auth.router,
    projects.router,
    chain.router,
    assessment.router,
    scenarios.router,
    lists.router,
    monitoring.router,
    users.router,
    matching.router,
    macro.router,
    trade.router,
    materials.router,
    experts.router,
    reports.router,
    ledger.router,
    consortium.router,
    roadmap.router,
    regions.router,
    reporting.router,
    network.router,
]

__all__ = ["ROUTERS"]
