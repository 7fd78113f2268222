"""Rendering shared with a forked process: the same bytes as rendering alone, and every failure of the
child's share raised in the parent exactly as without the child."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from schemactl import cores, render
from schemactl.manifest.load import load_text
from schemactl.render import parallel

from tests.synthetic import manifest as synthetic

needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="rendering is shared with a forked process on Linux only")


@pytest.fixture
def two_cores_one_thread(monkeypatch):
    """As the command line runs: a second core, no other thread (a test session may have threads of its own)."""
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    monkeypatch.setattr(threading, "active_count", lambda: 1)


@pytest.fixture(scope="module")
def large():
    m = load_text(synthetic(render.PARALLEL_FROM_TABLES), "large.yaml")
    assert len(m.tables) >= render.PARALLEL_FROM_TABLES
    return m


@needs_fork
def test_shared_rendering_gives_the_same_bytes_as_rendering_alone(large, monkeypatch, two_cores_one_thread):
    forks = []
    real_fork = os.fork

    def counting_fork():
        forks.append(1)
        return real_fork()
    monkeypatch.setattr(os, "fork", counting_fork)
    shared = render.outputs(large)
    assert forks == [1]
    monkeypatch.setenv("SCHEMACTL_NO_FORK", "1")
    alone = render.outputs(large)
    assert len(forks) == 1
    assert list(shared) == list(alone) and shared == alone


def test_split_balances_by_weight():
    theirs, mine = parallel.split(["a", "b", "c", "d"], {"a": 5, "b": 5, "c": 3, "d": 2})
    assert sorted(theirs + mine) == ["a", "b", "c", "d"]
    assert {sum({"a": 5, "b": 5, "c": 3, "d": 2}[n] for n in side) for side in (theirs, mine)} == {7, 8}


def test_split_keeps_a_group_on_one_side_weighed_together():
    weight = {"a": 5, "b": 4, "c": 4, "d": 3}
    theirs, mine = parallel.split(["a", "b", "c", "d"], weight)
    assert {frozenset(theirs), frozenset(mine)} == {frozenset("ad"), frozenset("bc")}   # 8 and 8
    theirs, mine = parallel.split(["a", "b", "c", "d"], weight, together=(("b", "c"),))
    assert {frozenset(theirs), frozenset(mine)} == {frozenset("ad"), frozenset("bc")}
    theirs, mine = parallel.split(["a", "b", "c", "d"], weight, together=(("a", "b"),))
    assert {frozenset(theirs), frozenset(mine)} == {frozenset("ab"), frozenset("cd")}   # 9 against 7
    # a group's names that are not rendered are left out; the rest of it still goes to one side
    theirs, mine = parallel.split(["a", "c", "d"], weight, together=(("a", "b", "c"),))
    assert {frozenset(theirs), frozenset(mine)} == {frozenset("ac"), frozenset("d")}


def test_the_two_drizzle_files_are_rendered_by_one_process():
    from schemactl import render
    names = [n for n in render.OUTPUTS if n != "connection.sqlite.sql"]
    theirs, mine = parallel.split(names, render._WEIGHT, render._CHECKS_WEIGHT - render._SHAPE_WEIGHT,
                                  render._HASH_WEIGHT, render._TOGETHER)
    assert {"schema.pg.ts", "schema.sqlite.ts"} <= set(theirs) or {"schema.pg.ts", "schema.sqlite.ts"} <= set(mine)


@needs_fork
def test_a_failure_in_the_childs_share_is_raised_by_the_parent(two_cores_one_thread):
    parent = os.getpid()

    def render_one(name: str) -> str:
        if name == "bad":
            raise ValueError(f"cannot render {name}")
        return name.upper() + ("" if os.getpid() == parent else " (child)")
    with pytest.raises(ValueError, match="cannot render bad"):
        parallel.render_shared(["bad", "good", "also"], render_one, {"bad": 9})
    done = parallel.render_shared(["x", "y"], render_one, {"x": 2, "y": 1})
    assert done == {"x": "X (child)", "y": "Y"}


@needs_fork
def test_a_child_killed_by_a_signal_leaves_its_share_to_the_parent(two_cores_one_thread):
    parent = os.getpid()

    def render_one(name: str) -> str:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)
        return name * 2
    assert parallel.render_shared(["a", "b", "c"], render_one, {}) == {"a": "aa", "b": "bb", "c": "cc"}


def test_no_fork_while_another_thread_runs(monkeypatch):
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not parallel.usable()
        pid = os.getpid()
        assert parallel.render_shared(["a", "b"], lambda n: f"{n} {os.getpid() == pid}", {}) == \
            {"a": "a True", "b": "b True"}
    finally:
        stop.set()
        worker.join()


def test_no_fork_on_one_core_or_when_turned_off(monkeypatch):
    monkeypatch.setattr(cores, "usable_cores", lambda: 1)
    assert not parallel.usable()
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    monkeypatch.setenv("SCHEMACTL_NO_FORK", "1")
    assert not parallel.usable()


def test_generate_writes_the_same_files_with_and_without_the_fork(tmp_path, large):
    project = tmp_path / "p"
    (project / "manifests").mkdir(parents=True)
    (project / "manifests" / "large.yaml").write_text(synthetic(render.PARALLEL_FROM_TABLES))
    trees = []
    for env in ({}, {"SCHEMACTL_NO_FORK": "1"}):
        res = subprocess.run([sys.executable, "-m", "schemactl", "generate", "--no-hash", "-o", "out"], cwd=project,
                             capture_output=True, text=True, env={**os.environ, **env})
        assert res.returncode == 0, res.stderr
        out = project / "out"
        trees.append({str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
        subprocess.run(["rm", "-rf", str(out)], check=True)
    assert trees[0] == trees[1] and len(trees[0]) >= 6


@needs_fork
def test_a_failure_in_the_parents_share_does_not_wait_for_a_child_blocked_on_the_pipe(two_cores_one_thread):
    """The child's share is larger than a pipe holds: had the parent stopped reading without ending the child,
    it would wait for it forever."""
    import time
    parent = os.getpid()

    def render_one(name: str) -> str:
        if os.getpid() != parent:
            return "x" * (8 << 20)
        raise RuntimeError("the parent's share failed")
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="parent's share failed"):
        parallel.render_shared(["big", "small"], render_one, {"big": 2, "small": 1})
    assert time.monotonic() - started < 10


@needs_fork
def test_meanwhile_runs_here_while_the_child_renders(two_cores_one_thread):
    parent = os.getpid()
    ran = []

    def render_one(name: str) -> str:
        assert os.getpid() != parent or ran, "the parent rendered before its meanwhile work"
        return name + ("" if os.getpid() == parent else " (child)")
    done = parallel.render_shared(["a", "b", "c"], render_one, {"a": 3, "b": 2, "c": 1},
                                  meanwhile=lambda: ran.append(os.getpid()), meanwhile_weight=2)
    assert ran == [parent]
    # the parent's side starts 2 heavier: the child takes a (3), the parent b (2+2), the child c (3+1)
    assert done == {"a": "a (child)", "b": "b", "c": "c (child)"}


@needs_fork
def test_meanwhile_that_raises_stops_the_child_and_renders_nothing_here(two_cores_one_thread):
    import time
    parent = os.getpid()
    rendered_here = []

    def render_one(name: str) -> str:
        if os.getpid() != parent:
            time.sleep(60)   # a child still at work: it must be stopped, not waited for
        rendered_here.append(name)
        return name

    def refuse():
        raise ValueError("the model is refused")
    started = time.monotonic()
    with pytest.raises(ValueError, match="refused"):
        parallel.render_shared(["a", "b"], render_one, {}, meanwhile=refuse)
    assert rendered_here == [] and time.monotonic() - started < 10
    with pytest.raises(ValueError, match="refused"):   # the same without a fork
        parallel.render_shared(["a"], render_one, {}, meanwhile=refuse)
    assert rendered_here == []


def _bad_large(missing: str) -> str:
    """A large manifest (rendered with the fork) whose last table's key names a missing table: only the
    checks over the whole model find it."""
    text = synthetic(render.PARALLEL_FROM_TABLES)
    last = render.PARALLEL_FROM_TABLES - 1
    return text.replace(f"table: t{last - 1:04d}", f"table: {missing}")


def test_generate_refuses_what_the_checks_find_while_the_child_renders(tmp_path):
    """generate runs a model's checks while a forked process renders: a model they refuse is reported as
    before (every manifest's problems at once, at the user's line and column), and nothing is written."""
    project = tmp_path / "p"
    (project / "manifests").mkdir(parents=True)
    (project / "manifests" / "a.yaml").write_text(_bad_large("nowhere"))
    second = _bad_large("elsewhere").replace("name: bench", "name: other")
    (project / "manifests" / "b.yaml").write_text(second)
    res = subprocess.run([sys.executable, "-m", "schemactl", "generate"], cwd=project, capture_output=True,
                         text=True)
    assert res.returncode == 2, res.stderr
    line = 1 + next(i for i, l in enumerate(second.splitlines()) if "table: elsewhere" in l)
    assert f'manifests/a.yaml:{line}:' in res.stderr and 'references missing table "nowhere"' in res.stderr
    assert f'manifests/b.yaml:{line}:' in res.stderr and 'references missing table "elsewhere"' in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    assert not (project / "generated").exists()
    assert (project / "manifests" / "a.yaml").read_text() == _bad_large("nowhere")   # no hash: line written


@needs_fork
def test_a_handoff_is_computed_by_the_child_and_read_here(two_cores_one_thread):
    parent = os.getpid()
    computed_here = []

    def compute() -> str:
        if os.getpid() == parent:
            computed_here.append(1)
        return f"digest of {os.getpid()}"
    digest = parallel.Handoff(compute)
    done = parallel.render_shared(["a", "b"], lambda name: f"{name} {digest()}", {"a": 2, "b": 1},
                                  handoff=digest, handoff_weight=1)
    child_digest = done["a"].split(" ", 1)[1]
    assert child_digest != f"digest of {parent}" and done == {"a": f"a {child_digest}", "b": f"b {child_digest}"}
    assert computed_here == [] and digest() == child_digest


@needs_fork
def test_a_handoff_the_child_never_sent_is_computed_here(two_cores_one_thread):
    parent = os.getpid()

    def compute() -> str:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)
        return "digest"
    digest = parallel.Handoff(compute)
    done = parallel.render_shared(["a", "b"], lambda name: f"{name} {digest()}", {}, handoff=digest)
    assert done == {"a": "a digest", "b": "b digest"}


@needs_fork
def test_without_a_memfd_the_texts_come_through_the_pipe(two_cores_one_thread, monkeypatch):
    parent = os.getpid()
    monkeypatch.setattr(parallel, "_spool", lambda: None)

    def render_one(name: str) -> str:
        return name * (300_000 if os.getpid() != parent else 1)   # more than a pipe holds
    assert parallel.render_shared(["a", "b"], render_one, {"a": 2, "b": 1}) == {"a": "a" * 300_000, "b": "b"}
