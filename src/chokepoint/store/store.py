"""The store: named projects (chain maps, perspectives) and their data in SQLite or PostgreSQL.

One :class:`~chokepoint.store.database.Database` (engine, location, migrations) and one small
repository per concern over it, each typed with the protocol the services depend on
(:mod:`chokepoint.store.protocols`); every write is one transaction.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, func, select

from chokepoint.store.alerts import AlertRepository
from chokepoint.store.audit import AuditRepository
from chokepoint.store.chains import ChainRepository
from chokepoint.store.database import Database
from chokepoint.store.datasets import IODatasetRepository, TradeDatasetRepository
from chokepoint.store.experts import ExpertRepository
from chokepoint.store.ledger import LedgerRepository
from chokepoint.store.logins import LoginRepository
from chokepoint.store.materials import MaterialsDatasetRepository
from chokepoint.store.network import NetworkRepository
from chokepoint.store.observations import ObservationRepository
from chokepoint.store.projects import ProjectRepository
from chokepoint.store.protocols import (
    AlertStore,
    AuditStore,
    ChainStore,
    ExpertStore,
    IndicatorSystemStore,
    IODatasetStore,
    LedgerStore,
    LoginStore,
    MaterialsDatasetStore,
    ObservationStore,
    ProjectStore,
    RecordStore,
    RegionStore,
    RuleStore,
    ScenarioStore,
    TaskStore,
    TokenStore,
    TradeDatasetStore,
    UserStore,
)
from chokepoint.store.records import RecordRepository
from chokepoint.store.regions import IndicatorSystemRepository, RegionRepository
from chokepoint.store.reporting import ReportingRepository
from chokepoint.store.rules import RuleRepository
from chokepoint.store.scenarios import ScenarioRepository
from chokepoint.store.schema import (
    data_reports,
    data_sets,
    expert_scores,
    match_records,
    observations,
    projects,
    tasks,
    trade_datasets,
)
from chokepoint.store.tasks import TaskRepository
from chokepoint.store.tokens import TokenRepository
from chokepoint.store.users import UserRepository


class Store:
    """Named projects in one database, one repository per concern.

    Parameters
    ----------
    location : path or SQLAlchemy URL, optional
        ``my.db``, ``sqlite:///my.db`` or ``postgresql+psycopg://...``;
        default from ``CHOKEPOINT_DB`` or the user's data directory.

    Attributes
    ----------
    database : Database
        The engine and migrations under the repositories.
    url : str
        The SQLAlchemy URL.
    engine : Engine
        The SQLAlchemy engine.
    projects : ProjectStore
        Names, sizes, renames, deletes and default perspectives of the projects.
    chains : ChainStore
        The chain map of each project.
    scenarios : ScenarioStore
        Saved scenarios.
    tasks : TaskStore
        Joint R&D tasks and their statuses.
    io_datasets, trade_datasets : IODatasetStore, TradeDatasetStore
        Named input-output systems and trade-flow tables (store-wide).
    materials : MaterialsDatasetStore
        Named raw-materials datasets: production, trade, commodity map, WGI (store-wide).
    records : RecordStore
        Matching's challenges, capability profiles and bids.
    users, tokens, audit : UserStore, TokenStore, AuditStore
        Users and their bindings, API tokens, the audit log.
    observations, rules, alerts : ObservationStore, RuleStore, AlertStore
        Monitoring: reported values, warning rules, alerts and snapshots.
    experts : ExpertStore
        Expert judgement (专家打分): each expert's scores per node, who imported them and when.

    Examples
    --------
    >>> import tempfile, os
    >>> from chokepoint.datasets import load_semiconductors
    >>> store = Store(os.path.join(tempfile.mkdtemp(), "demo.db"))
    >>> _ = store.chains.save("semiconductors", load_semiconductors())
    >>> [p.name for p in store.projects.infos()]
    ['semiconductors']
    """

    def __init__(self, location: str | os.PathLike[str] | None = None):
        db = Database(location)
        chains = ChainRepository(db)
        self.database = db
        self.url: str = db.url
        self.engine: Engine = db.engine
        self.projects: ProjectStore = ProjectRepository(db)
        self.chains: ChainStore = chains
        self.scenarios: ScenarioStore = ScenarioRepository(db)
        self.tasks: TaskStore = TaskRepository(db)
        self.io_datasets: IODatasetStore = IODatasetRepository(db)
        self.trade_datasets: TradeDatasetStore = TradeDatasetRepository(db)
        self.materials: MaterialsDatasetStore = MaterialsDatasetRepository(db)
        self.records: RecordStore = RecordRepository(db)
        self.ledger: LedgerStore = LedgerRepository(db)
        self.users: UserStore = UserRepository(db, chains)
        self.tokens: TokenStore = TokenRepository(db)
        self.logins: LoginStore = LoginRepository(db)
        self.audit: AuditStore = AuditRepository(db)
        self.observations: ObservationStore = ObservationRepository(db)
        self.rules: RuleStore = RuleRepository(db)
        self.alerts: AlertStore = AlertRepository(db, chains)
        self.experts: ExpertStore = ExpertRepository(db)
        self.regions: RegionStore = RegionRepository(db)
        self.indicator_systems: IndicatorSystemStore = IndicatorSystemRepository(db)
        self.reporting = ReportingRepository(db)
        self.network = NetworkRepository(db)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def evidence_stamp(self, project: str, trade_dataset: str | None = None) -> str:
        """A key that changes when what an assessment reads beside the chain changes: the
        project's expert scores (count, latest import), its reported values (count, sum, latest
        period, latest submission), its data-set reports (count, latest review, latest data-set
        change: a review changes which values count) and, when named, the trade dataset (its
        import time).

        One statement of scalar subqueries (one round trip; API caches read it on every
        request). ``""`` parts stand for none stored.
        """
        pid = select(projects.c.id).where(projects.c.name == project).scalar_subquery()
        e, o, r, d = expert_scores.c, observations.c, data_reports.c, data_sets.c
        parts = [
            select(func.count()).where(e.project_id == pid),
            select(func.max(e.scored_at)).where(e.project_id == pid),
            select(func.count()).where(o.project_id == pid),
            select(func.sum(o.value)).where(o.project_id == pid),
            select(func.max(o.period)).where(o.project_id == pid),
            select(func.max(o.submitted_at)).where(o.project_id == pid),
            select(trade_datasets.c.created_at).where(trade_datasets.c.name == (trade_dataset or "")),
            select(func.count()).where(r.project_id == pid),
            select(func.max(r.reviewed_at)).where(r.project_id == pid),
            select(func.max(d.updated_at)).where(d.project_id == pid),
        ]
        with self.database.connect() as conn:
            row = conn.execute(select(*(q.scalar_subquery() for q in parts))).one()
        scores, scored, values, total, period, submitted, trade, *reviews = row
        experts = f"{scores}:{scored}" if scores else ""
        reported = f"{values}:{float(total):.12g}:{period}:{submitted}" if values else ""
        traded = f"{trade_dataset}:{trade}" if trade_dataset else ""
        reviewed = ":".join("" if v is None else str(v) for v in reviews) if any(reviews) else ""
        return f"{experts}|{reported}|{traded}|{reviewed}"

    def lists_stamp(self, project: str) -> str:
        """A key that changes when what the policy lists read beside the assessment changes: the
        project's stored tasks (count, latest change) and its capability profiles, roadmaps and
        consortia (count, latest).
        """
        pid = select(projects.c.id).where(projects.c.name == project).scalar_subquery()
        t, m = tasks.c, match_records.c
        profiles = (m.project_id == pid) & m.kind.in_(("profile", "roadmap", "consortium"))
        parts = [
            select(func.count()).where(t.project_id == pid),
            select(func.max(t.updated_at)).where(t.project_id == pid),
            select(func.count()).where(profiles),
            select(func.max(m.updated_at)).where(profiles),
        ]
        with self.database.connect() as conn:
            row = conn.execute(select(*(q.scalar_subquery() for q in parts))).one()
        return ":".join("" if v is None else str(v) for v in row)

    def close(self) -> None:
        """Close the database's pooled connections."""
        self.database.close()
