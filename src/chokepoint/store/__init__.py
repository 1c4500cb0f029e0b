"""Persistence at the edge: the :class:`Store` of named projects (SQLite or PostgreSQL)."""

from chokepoint.store.store import ENV_VAR, ProjectInfo, Store, database_url, migrate

__all__ = ["ENV_VAR", "ProjectInfo", "Store", "database_url", "migrate"]
