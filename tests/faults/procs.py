"""Finding the processes and directories one test started (never counting everyone's: other test runs
may start and stop servers of their own meanwhile)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody reaped yet counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def local_server_of(pid: int, timeout: float = 30.0) -> tuple[int, Path]:
    """(postmaster pid, server directory) of the local PostgreSQL that process ``pid`` started, once it
    accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for watchdog in children(pid):
            args = cmdline(watchdog)
            if any(a.endswith("_watchdog.py") for a in args):
                base = Path(args[args.index(next(a for a in args if a.endswith("_watchdog.py"))) + 1])
                for postmaster in children(watchdog):
                    try:
                        lines = (base / "data" / "postmaster.pid").read_text().splitlines()
                    except OSError:
                        continue
                    if len(lines) >= 8 and lines[7].strip() == "ready" and int(lines[0]) == postmaster:
                        return postmaster, base
        if not alive(pid):
            break
        time.sleep(0.01)
    raise AssertionError(f"process {pid} started no local PostgreSQL within {timeout:.0f} s")


def gone(pid: int, path: Path, within: float = 10.0) -> bool:
    """Wait until process ``pid`` has ended and ``path`` no longer exists."""
    deadline = time.monotonic() + within
    while (alive(pid) or path.exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid) and not path.exists()
