"""Expert judgement (专家打分) of a store's projects: each expert's scores per node, with who
imported them, from which file and when.

The scores come in checked (:mod:`chokepoint.service.experts` reads the sheets and checks the
node ids); a new sheet from an expert replaces that expert's earlier scores. Every write is one
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from chokepoint.errors import NotFoundError
from chokepoint.store.database import Database, utc
from chokepoint.store.schema import expert_scores

#: The columns of :meth:`ExpertRepository.scores`, in order.
SCORE_COLUMNS = [
    "node",
    "expert",
    "organization",
    "gap",
    "threshold",
    "substitutability",
    "gap_years",
    "comment",
    "source",
    "imported_by",
    "scored_at",
]
_VALUES = ["gap", "threshold", "substitutability", "gap_years"]


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    s = str(v).strip()
    return s or None


def _number(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if np.isnan(f) else f


class ExpertRepository:
    """Each expert's scores of each project's nodes.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def replace(self, project: str, expert: str, rows: pd.DataFrame, source: str, imported_by: str) -> int:
        """Store one expert's scores in one transaction, replacing that expert's earlier ones.

        Parameters
        ----------
        project : str
            The project.
        expert : str
            The expert's name.
        rows : DataFrame
            Checked scores, one row per node: column ``node`` and any of ``organization``,
            ``gap``, ``threshold``, ``substitutability`` (1-5), ``gap_years``, ``comment``
            (NaN or blank: not scored).
        source : str
            The file the scores came from (``li.xlsx[scores]``).
        imported_by : str
            The user who imported them.

        Returns
        -------
        int
            The expert's earlier scores that were replaced.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        return self.replace_many(project, [(expert, rows, source)], imported_by)[0]

    def replace_many(
        self, project: str, sheets: Sequence[tuple[str, pd.DataFrame, str]], imported_by: str
    ) -> list[int]:
        """Store several experts' scores (``(expert, rows, source)`` each) in one transaction.

        Each expert's earlier scores are replaced (see :meth:`replace`); the scores get one
        time stamp, ``scored_at``.

        Returns
        -------
        list of int
            For each sheet, the expert's earlier scores that were replaced.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        now = datetime.now(UTC)
        replaced = []
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, project)
            for expert, rows, source in sheets:
                replaced.append(self._delete(conn, pid, expert))
                records = [
                    {
                        "project_id": pid,
                        "expert": expert,
                        "node": str(r["node"]),
                        "organization": _text(r.get("organization")),
                        **{f: _number(r.get(f)) for f in _VALUES},
                        "comment": _text(r.get("comment")),
                        "source": source,
                        "imported_by": imported_by,
                        "scored_at": now,
                    }
                    for r in rows.to_dict("records")
                ]
                if records:
                    conn.execute(insert(expert_scores), records)
        return replaced

    def scores(self, project: str) -> pd.DataFrame:
        """Every expert's scores of the project, by expert and node.

        Returns
        -------
        DataFrame
            Columns ``node, expert, organization, gap, threshold, substitutability`` (1-5,
            NaN when not scored), ``gap_years``, ``comment``, ``source`` (the file),
            ``imported_by`` (the user) and ``scored_at`` (when imported, UTC); no rows when
            nobody has scored.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = (
                select(*(expert_scores.c[c] for c in SCORE_COLUMNS))
                .where(expert_scores.c.project_id == pid)
                .order_by(expert_scores.c.expert, expert_scores.c.node)
            )
            df = pd.DataFrame(conn.execute(q).all(), columns=SCORE_COLUMNS)
        for c in _VALUES:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
        for c in ("organization", "comment"):
            df[c] = df[c].fillna("").astype(object)
        df["scored_at"] = pd.to_datetime([utc(t) for t in df["scored_at"]], utc=True)
        return df

    def experts(self, project: str) -> list[str]:
        """The names of the experts who scored the project, sorted."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = (
                select(expert_scores.c.expert)
                .where(expert_scores.c.project_id == pid)
                .distinct()
                .order_by(expert_scores.c.expert)
            )
            return [str(e) for e in conn.execute(q).scalars()]

    def delete(self, project: str, expert: str) -> int:
        """Delete every score of ``expert`` in the project, in one transaction.

        Returns
        -------
        int
            The scores deleted.

        Raises
        ------
        NotFoundError
            When the expert has no score in the project (the message lists those who have).
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, project)
            n = self._delete(conn, pid, expert)
        if n == 0:
            names = self.experts(project)
            hint = f"; experts who scored: {', '.join(names)}" if names else "; nobody has scored yet"
            raise NotFoundError(f"no scores of expert {expert!r} in project {project!r}{hint}")
        return n

    @staticmethod
    def _delete(conn: Connection, pid: int, expert: str) -> int:
        where = (expert_scores.c.project_id == pid) & (expert_scores.c.expert == expert)
        n = conn.execute(select(func.count()).select_from(expert_scores).where(where)).scalar_one()
        conn.execute(delete(expert_scores).where(where))
        return int(n)
