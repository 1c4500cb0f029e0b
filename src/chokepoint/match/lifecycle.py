"""The lifecycle of a challenge (揭榜挂帅): draft → published → (bids) → awarded → closed, or
failed from any open state, each step with who took it, when and why.

Pure functions over a challenge's body (a dict as stored): :func:`apply_action` returns the new
body with the step appended to its ``history``; a step that the current status does not allow
is a :class:`~chokepoint.errors.UsageError` naming both. Challenges stored before the lifecycle
existed carry status ``open``, read as ``published``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chokepoint.errors import UsageError

STATUSES = ("draft", "published", "awarded", "closed", "failed")
STATUS_LABELS = {
    "draft": ("draft", "草稿"),
    "published": ("published", "征集中"),
    "awarded": ("awarded", "已揭榜"),
    "closed": ("closed", "已结题"),
    "failed": ("failed", "未成功"),
}

#: action -> (statuses it may start from, status it leads to)
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({"draft"}), "published"),
    "award": (frozenset({"published"}), "awarded"),
    "close": (frozenset({"awarded"}), "closed"),
    "fail": (frozenset({"draft", "published", "awarded"}), "failed"),
}

#: statuses in which solvers may bid
BIDDING = frozenset({"published"})


def challenge_status(body: dict[str, Any]) -> str:
    """The challenge's status (``open``, the status before the lifecycle, reads ``published``)."""
    status = str(body.get("status", "published"))
    return "published" if status == "open" else status


def apply_action(
    body: dict[str, Any],
    action: str,
    by: str,
    at: str,
    note: str = "",
    winners: Sequence[str] = (),
    bidders: Sequence[str] = (),
) -> dict[str, Any]:
    """The challenge's body after ``action`` by ``by`` at ``at`` (ISO time).

    Parameters
    ----------
    body : dict
        The stored body (not changed).
    action : str
        ``publish``, ``award``, ``close`` or ``fail``.
    by, at : str
        Who takes the step, and when.
    note : str
        Why (required to fail a challenge).
    winners : sequence of str
        For ``award``: the actors awarded, each of whom must have bid (``bidders``).
    bidders : sequence of str
        The actors that bid on the challenge.

    Returns
    -------
    dict
        The new body: ``status`` changed, ``awarded`` set for an award, and the step appended to
        ``history`` (``action, status, by, at, note`` and ``winners``).

    Raises
    ------
    UsageError
        For an unknown action, one the current status does not allow, an award without winners
        or to an actor that did not bid, or a failure without a reason.
    """
    if action not in ACTIONS:
        raise UsageError(f"unknown challenge action {action!r}; use one of {', '.join(ACTIONS)}")
    allowed, target = ACTIONS[action]
    status = challenge_status(body)
    if status not in allowed:
        raise UsageError(
            f"the challenge is {status}: it cannot be {'failed' if action == 'fail' else action + 'ed'} "
            f"(only from {', '.join(sorted(allowed))})"
        )
    step: dict[str, Any] = {"action": action, "status": target, "by": by, "at": at, "note": note}
    out = {k: v for k, v in body.items() if k != "history"}
    if action == "award":
        chosen = list(dict.fromkeys(winners))
        if not chosen:
            raise UsageError("name the awarded solver(s): at least one actor that bid")
        outsiders = [w for w in chosen if w not in set(bidders)]
        if outsiders:
            raise UsageError(
                f"{', '.join(outsiders)} did not bid on this challenge: only bidders can be awarded"
            )
        step["winners"] = chosen
        out["awarded"] = chosen
    if action == "fail" and not note.strip():
        raise UsageError("say why the challenge failed (note)")
    out["status"] = target
    out["history"] = [*body.get("history", []), step]
    return out
