"""Policy lists (清单) and joint R&D tasks, built from an assessment (pure core)."""

from chokepoint.lists.build import PolicyLists, policy_lists
from chokepoint.lists.tasks import task_list

__all__ = ["PolicyLists", "policy_lists", "task_list"]
