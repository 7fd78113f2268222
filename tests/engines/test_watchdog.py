"""The watchdog's wait for a process to end (used for the server by the watchdog, for the watchdog by
LocalPostgres.stop): woken by the exit itself, not by polling."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from schemactl.engines import _watchdog
from schemactl.engines._watchdog import wait_exit


def _never_sleeps(monkeypatch):
    def sleep(seconds):
        raise AssertionError(f"polled with time.sleep({seconds})")
    monkeypatch.setattr(time, "sleep", sleep)


def test_wait_exit_returns_the_exit_code_without_polling(monkeypatch):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2); raise SystemExit(7)"])
    _never_sleeps(monkeypatch)   # Popen.wait(timeout) sleeps between its polls (up to 50 ms each)
    assert wait_exit(proc, 30) == 7


def test_wait_exit_gives_up_at_the_timeout():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            wait_exit(proc, 0.2)
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_wait_exit_of_a_process_already_reaped_or_without_pidfd(monkeypatch):
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    proc.wait()
    assert wait_exit(proc, 5) == 3   # pidfd_open fails for a reaped pid: Popen's own wait answers
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])

    def no_pidfd(pid):
        raise OSError(38, "Function not implemented")
    monkeypatch.setattr(_watchdog.os, "pidfd_open", no_pidfd)
    assert wait_exit(proc, 30) == 4
