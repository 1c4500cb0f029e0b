"""What the services need of a store, as :class:`typing.Protocol` classes.

:class:`chokepoint.store.Store` annotates its repositories with these, so mypy checks that the
SQL repositories satisfy them and that the services use nothing else; another backend
implements the same protocols. Each method is documented on its SQL implementation (named in
the protocol's docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from chokepoint.ledger import LedgerCheck
from chokepoint.materials.data import MaterialsData
from chokepoint.model.chain import ChainMap
from chokepoint.model.validate import ImportReport
from chokepoint.store.database import Rows
from chokepoint.store.projects import ProjectInfo
from chokepoint.store.users import UserRecord

if TYPE_CHECKING:  # for annotations only: the macro core (and scipy) loads when a dataset is used
    from chokepoint.macro import IOSystem


class ProjectStore(Protocol):
    """Projects and their default perspectives (:class:`~chokepoint.store.projects.ProjectRepository`)."""

    def names(self) -> list[str]:
        """The names of every project, sorted."""

    def exists(self, name: str) -> bool:
        """Whether there is a project ``name``."""

    def infos(self) -> list[ProjectInfo]:
        """Every project with its size and dates, sorted by name."""

    def version(self, name: str) -> str:
        """A key that changes whenever the project's chain is saved."""

    def rename(self, old: str, new: str) -> None:
        """Rename project ``old`` to ``new``."""

    def delete(self, name: str) -> None:
        """Delete the project and everything stored for it."""

    def get_perspective(self, name: str) -> dict[str, Any] | None:
        """The project's stored default perspective, or None."""

    def set_perspective(self, name: str, body: dict[str, Any] | None) -> None:
        """Store (or, with None, clear) the project's default perspective."""


class ChainStore(Protocol):
    """The chain map of each project (:class:`~chokepoint.store.chains.ChainRepository`)."""

    def save(self, name: str, chain: ChainMap, *, merge: bool = False) -> ChainMap:
        """Store ``chain`` as project ``name`` (replacing, or merging into, the stored one)."""

    def merge_tables(
        self,
        name: str,
        blocks: list[Any],
        meta: dict[str, str] | None = None,
        problems: list[Any] | None = None,
    ) -> ImportReport:
        """Merge raw rows read from a file into project ``name``, validated as a whole."""

    def load(self, name: str) -> ChainMap:
        """The chain map of project ``name``."""

    def edit_node(self, name: str, node: str, changes: dict[str, Any]) -> tuple[dict[str, Any], ChainMap]:
        """Change fields of one node under the project's lock; the old values and the chain."""

    def set_locations(self, name: str, locations: dict[str, str]) -> int:
        """Write the location column alone of actors of project ``name``; the number written."""


class ScenarioStore(Protocol):
    """Saved scenarios (:class:`~chokepoint.store.scenarios.ScenarioRepository`)."""

    def save(self, project: str, name: str, body: dict[str, Any]) -> None:
        """Store (or replace) a scenario body under ``name``."""

    def names(self, project: str) -> list[str]:
        """The names of the project's saved scenarios, sorted."""

    def load(self, project: str, name: str) -> dict[str, Any]:
        """The body of saved scenario ``name``."""

    def delete(self, project: str, name: str) -> None:
        """Delete saved scenario ``name``."""


class TaskStore(Protocol):
    """Joint R&D tasks (:class:`~chokepoint.store.tasks.TaskRepository`)."""

    STATUSES: ClassVar[tuple[str, ...]]

    def upsert(self, project: str, rows: Iterable[dict[Any, Any]]) -> Rows:
        """Insert new tasks and refresh existing ones; the rows with their stored status."""

    def set_status(self, project: str, task_id: str, status: str) -> None:
        """Set a stored task's status."""

    def list(self, project: str) -> Rows:
        """The stored tasks with status and dates, by task id."""


class IODatasetStore(Protocol):
    """Named input-output systems (:class:`~chokepoint.store.datasets.IODatasetRepository`)."""

    def save(self, name: str, system: IOSystem, *, replace: bool = True) -> None:
        """Store an input-output system as ``name``."""

    def load(self, name: str) -> IOSystem:
        """The input-output system stored as ``name``."""

    def rename(self, old: str, new: str) -> None:
        """Rename dataset ``old`` to ``new``."""

    def delete(self, name: str) -> None:
        """Delete dataset ``name``."""

    def list(self) -> Rows:
        """Every dataset's name, title, sectors and date, by name."""


class TradeDatasetStore(Protocol):
    """Named trade-flow tables (:class:`~chokepoint.store.datasets.TradeDatasetRepository`)."""

    def save(self, name: str, flows: pd.DataFrame, layout: str) -> None:
        """Store a trade-flow table as ``name``, replacing one of that name."""

    def load(self, name: str) -> pd.DataFrame:
        """The flow table stored as ``name``."""

    def delete(self, name: str) -> None:
        """Delete dataset ``name``."""

    def list(self) -> Rows:
        """Every dataset's name, layout, rows and date, by name."""


class MaterialsDatasetStore(Protocol):
    """Named raw-materials datasets (:class:`~chokepoint.store.materials.MaterialsDatasetRepository`)."""

    def save(self, name: str, data: MaterialsData) -> None:
        """Store a dataset as ``name``, replacing one of that name."""

    def load(self, name: str) -> MaterialsData:
        """The dataset stored as ``name``."""

    def delete(self, name: str) -> None:
        """Delete dataset ``name``."""

    def list(self) -> Rows:
        """Every dataset's name, commodities, trade rows, years and date, by name."""


class RecordStore(Protocol):
    """Challenges, profiles and bids (:class:`~chokepoint.store.records.RecordRepository`)."""

    def put(
        self,
        project: str,
        kind: str,
        records: dict[str, dict[str, Any]],
        logged_by: str | None = None,
        guard: tuple[str, str, Callable[[dict[str, Any]], None]] | None = None,
    ) -> None:
        """Insert or replace records of ``kind`` by key (each logged when ``logged_by``), only
        while the ``guard`` record passes its check (held under its row lock).
        """

    def get(self, project: str, kind: str) -> dict[str, dict[str, Any]]:
        """Every record of ``kind``: the bodies by key."""

    def update(
        self,
        project: str,
        kind: str,
        key: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
        logged_by: str | None = None,
        missing: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Replace record ``key`` by ``change(body)`` under its row lock (created as
        ``change(missing)`` when given and not stored); the new body.
        """

    def add_numbered(
        self,
        project: str,
        kind: str,
        prefix: str,
        body: dict[str, Any],
        width: int = 4,
        logged_by: str | None = None,
    ) -> str:
        """Store ``body`` under the next free ``<prefix><number>`` key; the key."""


class LedgerStore(Protocol):
    """The tamper-evident log of each project (:class:`~chokepoint.store.ledger.LedgerRepository`)."""

    def append(self, project: str, user: str, kind: str, key: str, body: Any) -> dict[str, Any]:
        """Append one entry; the entry as stored."""

    def entries(self, project: str, kind: str | None = None, key: str | None = None) -> Rows:
        """The project's entries in sequence order."""

    def heads(self) -> dict[str, dict[str, Any]]:
        """Every project's head (last sequence number and hash)."""

    def verify(self, project: str, expect_head: tuple[int, str] | None = None) -> LedgerCheck:
        """Verify the project's log with the configured key."""


class UserStore(Protocol):
    """Users and their bindings, as data (:class:`~chokepoint.store.users.UserRepository`)."""

    def add(self, name: str, role: str, password: str) -> None:
        """Create a user."""

    def get(self, name: str, project: str | None = None) -> UserRecord:
        """The user's role, state and the actors bound to it in ``project``."""

    def count(self) -> int:
        """The number of users."""

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password."""

    def disable(self, name: str, disabled: bool = True) -> None:
        """Mark a user disabled (or enabled again)."""

    def verify_password(self, name: str, password: str) -> bool:
        """True when the user exists, is enabled and the password matches."""

    def bind(self, name: str, project: str, actor: str) -> None:
        """Bind a reporter to an enterprise (or institution) of a project."""

    def unbind(self, name: str, project: str, actor: str) -> None:
        """Remove a reporter's binding to an actor of a project."""

    def list(self) -> Rows:
        """Every user with role, state and bindings, by name."""


class TokenStore(Protocol):
    """API tokens (:class:`~chokepoint.store.tokens.TokenRepository`)."""

    def create(self, user: str, kind: str = "session", ttl: timedelta = timedelta(hours=12)) -> str:
        """A new token for ``user`` (returned once)."""

    def user_for(self, token: str) -> tuple[str, str] | None:
        """``(name, role)`` of the enabled user holding this unexpired token, else None."""

    def revoke(self, token: str) -> None:
        """Delete the token."""

    def list(self, user: str) -> Rows:
        """The user's unexpired tokens (id, kind, dates), newest first."""

    def revoke_id(self, user: str, token_id: str) -> None:
        """Revoke the user's token named ``token_id``."""


class LoginStore(Protocol):
    """Failed logins and lockouts (:class:`~chokepoint.store.logins.LoginRepository`)."""

    def blocked_for(self, username: str, address: str) -> int:
        """Seconds until the account or the address may try again (0: now)."""

    def failed(self, username: str, address: str) -> int:
        """Record a failed login; the seconds of the lockout it starts (0: none)."""

    def succeeded(self, username: str) -> None:
        """Forget the account's failed logins."""


class AuditStore(Protocol):
    """The audit log (:class:`~chokepoint.store.audit.AuditRepository`)."""

    def record(
        self,
        user: str,
        method: str,
        path: str,
        status: int,
        action: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Add one audit row."""

    def entries(self, limit: int = 100, offset: int = 0) -> Rows:
        """The audit rows, latest first."""


class ObservationStore(Protocol):
    """Reported values (:class:`~chokepoint.store.observations.ObservationRepository`)."""

    def submit(
        self, project: str, clean: pd.DataFrame, reporter: str, at: datetime | None = None
    ) -> dict[str, int]:
        """Store validated values as reported by ``reporter``; counts new, replaced, unchanged."""

    def values(
        self, project: str, indicator: str | None = None, actors: Collection[str] | None = None
    ) -> pd.DataFrame:
        """Stored values, by indicator, entity and period."""

    def history(self, project: str, actors: Collection[str] | None = None) -> pd.DataFrame:
        """Revision history in order of change."""

    def series(self, project: str, indicator: str, as_of: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Entities, values (entities x months) and months of ``indicator`` up to ``as_of``."""


class RuleStore(Protocol):
    """Warning rules and their history (:class:`~chokepoint.store.rules.RuleRepository`)."""

    def put(self, project: str, bodies: Iterable[dict[str, Any]], user: str = "cli") -> dict[str, int]:
        """Insert or update rules by id; counts created, updated, unchanged."""

    def history(self, project: str) -> Rows:
        """Every change of the project's rules, oldest first."""

    def list(self, project: str) -> Rows:
        """The project's rule bodies, by rule id."""


class AlertStore(Protocol):
    """Alerts and snapshots (:class:`~chokepoint.store.alerts.AlertRepository`)."""

    def latest_snapshot(self, project: str) -> tuple[int, pd.DataFrame] | None:
        """The id and frame of the project's last snapshot, or None."""

    def snapshot(self, project: str, snapshot_id: int) -> pd.DataFrame:
        """The frame of snapshot ``snapshot_id``."""

    def snapshots(self, project: str) -> Rows:
        """Every snapshot's id, dates and count of nodes per level."""

    def changed_since(self, project: str, snapshot_id: int) -> dict[str, list[int]]:
        """Ids of the alerts opened, updated and resolved after snapshot ``snapshot_id``."""

    def active(self, project: str) -> pd.DataFrame:
        """The open and acknowledged alerts (``alert_id``, ``key``)."""

    def record_run(
        self,
        project: str,
        new: pd.DataFrame,
        updated: pd.DataFrame,
        resolved: Sequence[int],
        snapshot: pd.DataFrame,
        as_of: str,
        perspective: dict[str, Any],
    ) -> int:
        """Store a monitor run (alerts and snapshot); the snapshot's id."""

    def transition(self, project: str, alert_id: int, user: str, status: str) -> None:
        """Move an alert to ``acknowledged`` or ``resolved`` by ``user``."""

    def list(self, project: str, status: str | None = None, level: str | None = None) -> Rows:
        """Alerts of the project, oldest first, with their entities' names."""


class ExpertStore(Protocol):
    """Expert judgement (专家打分) scores (:class:`~chokepoint.store.experts.ExpertRepository`)."""

    def replace(self, project: str, expert: str, rows: pd.DataFrame, source: str, imported_by: str) -> int:
        """Store one expert's scores, replacing that expert's earlier ones; the count replaced."""

    def replace_many(
        self, project: str, sheets: Sequence[tuple[str, pd.DataFrame, str]], imported_by: str
    ) -> list[int]:
        """Store several experts' ``(expert, rows, source)`` in one transaction; counts replaced."""

    def scores(self, project: str) -> pd.DataFrame:
        """Every expert's scores of the project, with source, importer and date, by expert and node."""

    def experts(self, project: str) -> list[str]:
        """The names of the experts who scored the project, sorted."""

    def delete(self, project: str, expert: str) -> int:
        """Delete every score of ``expert`` in the project; the count deleted."""


class RegionStore(Protocol):
    """Cities, districts, parks and their indicator values
    (:class:`~chokepoint.store.regions.RegionRepository`).
    """

    def put(self, table: pd.DataFrame) -> int:
        """Insert or replace region rows by code; how many."""

    def table(self) -> pd.DataFrame:
        """Every stored region row, by code."""

    def put_values(self, dataset: str, values: pd.DataFrame) -> int:
        """Replace a region-values dataset; how many values."""

    def values(self, dataset: str) -> pd.DataFrame:
        """The values of a dataset (region, indicator, value, unit, period, source)."""

    def datasets(self) -> list[str]:
        """The names of the region-values datasets."""


class IndicatorSystemStore(Protocol):
    """Indicator systems, every version kept
    (:class:`~chokepoint.store.regions.IndicatorSystemRepository`).
    """

    def add(self, name: str, body: dict[str, Any], user: str) -> int:
        """Store the next version of a system; its number."""

    def get(self, name: str, version: int | None = None) -> dict[str, Any]:
        """A version of a system (the latest by default)."""

    def list(self) -> list[dict[str, Any]]:
        """Every system's latest version."""
