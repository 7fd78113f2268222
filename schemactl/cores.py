"""Whether a command may hand part of its work to a second process: generate's forked rendering
(schemactl.render.parallel) and copy's second reader (schemactl.datafast).  One place for the switch
(SCHEMACTL_NO_FORK=1 turns both off) and for counting the cores this process may use."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one, else all of them)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def second_process_allowed() -> bool:
    """A second core this process may use, and SCHEMACTL_NO_FORK not set."""
    return not os.environ.get("SCHEMACTL_NO_FORK") and usable_cores() > 1
