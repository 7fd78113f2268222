"""Whether a command may hand part of its work to a second process: generate's forked rendering
(schemactl.render.parallel), the manifest loader's forked reading of a large file's second half
(schemactl.manifest.yamlsplit) and copy's second reader (schemactl.datafast).  One place for the switch
(SCHEMACTL_NO_FORK=1 turns them off), for counting the cores this process may use, and for when a fork is
safe (fork_usable); ``forked`` runs a function in a forked copy of this process.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Callable


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one, else all of them)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def second_process_allowed() -> bool:
    """A second core this process may use, and SCHEMACTL_NO_FORK not set."""
    return not os.environ.get("SCHEMACTL_NO_FORK") and usable_cores() > 1


def fork_usable() -> bool:
    """A forked copy of this process may do part of the work: Linux (on macOS a forked copy of a process that
    loaded system frameworks may abort; Python's own multiprocessing no longer forks there; Windows has no
    fork), no other thread running (a copy may inherit a lock held by a thread that does not exist in it),
    a second core, and SCHEMACTL_NO_FORK not set."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
            and second_process_allowed())


class Forked:
    """``fn()`` (which returns bytes) run by a forked copy of this process, started at once; ``result()``
    is what it returned, or None when it failed in any way (an exception, a signal, a short answer): the
    caller then does the work itself.  ``stop()`` ends it unread (use ``with``: an exception or Ctrl-C in
    this process ends the copy too).  The copy ends with os._exit: no atexit handler, no buffered output
    of this process's is flushed twice."""

    def __init__(self, fn: Callable[[], bytes]):
        import struct
        self._length = struct.Struct(">Q")
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:   # the copy: compute, send, end -- whatever happens, it ends here
            code = 1
            try:
                os.close(read_end)
                data = fn()
                with os.fdopen(write_end, "wb") as out:
                    out.write(self._length.pack(len(data)))
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self.pid: int | None = pid
        self._got = os.fdopen(read_end, "rb")

    def result(self) -> bytes | None:
        try:
            head = self._got.read(self._length.size)
            data = None
            if len(head) == self._length.size:
                (size,) = self._length.unpack(head)
                data = self._got.read(size)
                if len(data) != size:
                    data = None
        finally:
            self._got.close()
            self._reap()
        return data

    def stop(self) -> None:
        """End the copy (if it still runs) and reap it."""
        if self.pid is None:
            return
        kill(self.pid)
        self._got.close()
        self._reap()

    def _reap(self) -> None:
        pid, self.pid = self.pid, None
        if pid is not None:
            reap(pid)

    def __enter__(self) -> "Forked":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def kill(pid: int) -> None:
    """SIGKILL to a forked copy of this process (one that has ended already is left alone)."""
    import signal
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def reap(pid: int) -> None:
    """Wait for a forked copy of this process to end."""
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except ChildProcessError:
            return
        except InterruptedError:
            continue
