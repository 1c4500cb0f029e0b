"""Failed logins, and the lockouts they start (brute-force defence).

Policy (constants below; documented in docs/security.md): an account with
:data:`ACCOUNT_LIMIT` failed logins within :data:`WINDOW` is locked for :data:`LOCKOUT` from its
last failure; an address with :data:`ADDRESS_LIMIT` failures within the window (whatever the
user names) likewise. Failures are counted by the name tried, known or not, so a lockout does not
tell which names exist. A successful login forgets the account's failures (not the address's).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Connection, and_, delete, func, insert, select

from chokepoint.store.database import Database, utc
from chokepoint.store.schema import login_failures

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20


class LoginRepository:
    """Failed logins per user name and address (:mod:`chokepoint.store.logins`)."""

    def __init__(self, db: Database):
        self.db = db

    def _wait(self, conn: Connection, column: Column[str], value: str, limit: int, now: datetime) -> int:
        q = select(func.count(), func.max(login_failures.c.at)).where(
            and_(column == value, login_failures.c.at >= now - WINDOW)
        )
        count, last = conn.execute(q).one()
        if count < limit or last is None:
            return 0
        return max(0, int((utc(last) + LOCKOUT - now).total_seconds()) + 1)

    def blocked_for(self, username: str, address: str) -> int:
        """Seconds until ``username`` or ``address`` may try to log in again (0: now)."""
        now = datetime.now(UTC)
        with self.db.connect() as conn:
            return max(
                self._wait(conn, login_failures.c.username, username, ACCOUNT_LIMIT, now),
                self._wait(conn, login_failures.c.address, address, ADDRESS_LIMIT, now),
            )

    def failed(self, username: str, address: str) -> int:
        """Record a failed login of ``username`` from ``address``; return the seconds of the
        lockout it starts (0 when none).
        """
        now = datetime.now(UTC)
        with self.db.begin() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.at < now - WINDOW - LOCKOUT))
            conn.execute(
                insert(login_failures).values(username=username[:200], address=address[:100], at=now)
            )
        return self.blocked_for(username, address)

    def succeeded(self, username: str) -> None:
        """Forget the failed logins of ``username``."""
        with self.db.begin() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.username == username))
