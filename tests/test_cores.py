"""schemactl.cores: the one switch and core count for work shared with a second process."""

from __future__ import annotations

import os

import pytest

from schemactl import cores


def test_the_usable_cores_are_the_affinity_not_the_machine():
    n = cores.usable_cores()
    assert 1 <= n <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert n == len(os.sched_getaffinity(0))


def test_a_second_process_needs_a_second_core_and_no_switch(monkeypatch):
    monkeypatch.delenv("SCHEMACTL_NO_FORK", raising=False)
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    assert cores.second_process_allowed()
    monkeypatch.setenv("SCHEMACTL_NO_FORK", "1")
    assert not cores.second_process_allowed()
    monkeypatch.delenv("SCHEMACTL_NO_FORK")
    monkeypatch.setattr(cores, "usable_cores", lambda: 1)
    assert not cores.second_process_allowed()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_forked_gives_what_the_copy_returned_or_none_when_it_failed():
    import signal
    assert cores.Forked(lambda: b"x" * 200_000).result() == b"x" * 200_000   # more than a pipe holds
    assert cores.Forked(lambda: 1 / 0).result() is None
    assert cores.Forked(lambda: os.kill(os.getpid(), signal.SIGKILL)).result() is None
    with cores.Forked(lambda: __import__("time").sleep(60) or b"") as slow:   # ended unread, not waited for
        pid = slow.pid
    assert slow.pid is None and not os.path.exists(f"/proc/{pid}")
