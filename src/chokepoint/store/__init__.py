"""Persistence at the edge: the :class:`Store` of named projects (SQLite or PostgreSQL).

A store is one :class:`~chokepoint.store.database.Database` and a repository per concern
(``store.projects``, ``store.chains``, ``store.scenarios``, ...), typed with the protocols of
:mod:`chokepoint.store.protocols`.
"""

from chokepoint.store.database import ENV_VAR, database_url, migrate
from chokepoint.store.projects import ProjectInfo
from chokepoint.store.store import Store

__all__ = ["ENV_VAR", "ProjectInfo", "Store", "database_url", "migrate"]
