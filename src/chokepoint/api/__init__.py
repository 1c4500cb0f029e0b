"""The REST API (FastAPI): every capability over HTTP with login, roles and an audit log."""

from chokepoint.api.app import create_app, ensure_admin, error_body

__all__ = ["create_app", "ensure_admin", "error_body"]
