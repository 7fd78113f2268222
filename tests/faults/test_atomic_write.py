"""All-or-nothing writes of many files (generate, migrate new, hash --write, import -o) when the writing
process is interrupted (SIGINT) or killed (SIGKILL) at random points, in real processes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from schemactl.output import JOURNAL_PREFIX, atomic_write_all
from tests.conftest import ROOT

N_FILES = 60

WRITER = """
import sys
from pathlib import Path
from schemactl.output import atomic_write_all
d, version, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
files = {d / f"sub{i % 4}" / f"f{i:03d}.txt": f"{version} {i}\\n" * 4000 for i in range(n)}
print("go", flush=True)
atomic_write_all(files)
print("done", flush=True)
"""


def _set(d: Path, version: str) -> dict[Path, str]:
    return {d / f"sub{i % 4}" / f"f{i:03d}.txt": f"{version} {i}\n" * 4000 for i in range(N_FILES)}


def _leftovers(d: Path) -> list[str]:
    """Anything of an unfinished write: temporary files, old contents, journals."""
    return sorted(str(p.relative_to(d)) for p in d.rglob(".*")
                  if p.name.startswith(JOURNAL_PREFIX) or p.name.endswith((".tmp", ".old", ".part")))


def _versions(d: Path) -> set[str]:
    """Which versions the set holds now ("missing" for a file that is not there)."""
    out = set()
    for path, content in _set(d, "old").items():
        try:
            text = path.read_text()
        except FileNotFoundError:
            out.add("missing")
            continue
        out.add("old" if text == content else "new" if text == _set(d, "new")[path] else "torn")
    return out


def _write_time(tmp_path: Path) -> float:
    d = tmp_path / "timing"
    atomic_write_all(_set(d, "old"))
    started = time.perf_counter()
    atomic_write_all(_set(d, "new"))
    return time.perf_counter() - started


def _killed_writer(d: Path, sig: int, delay: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(d), "new", str(N_FILES)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "go"
    time.sleep(delay)
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_a_write_interrupted_at_random_points_is_all_or_nothing(tmp_path, sig):
    """Old set, then a process writing the new set is signalled at a random moment of its write.
    SIGINT: the set is all old or all new at once, and nothing of the write is left.  SIGKILL: the next
    write in the same directory (of an unrelated file) finishes the killed one's work first -- then the
    set is all old or all new and nothing is left."""
    rng = random.Random(int(os.environ.get("SCHEMACTL_FAULT_SEED", "0")) or None)
    span = _write_time(tmp_path) * 1.3
    for round_ in range(12):
        d = tmp_path / f"round{round_}"
        atomic_write_all(_set(d, "old"))
        delay = rng.uniform(0, span)
        proc = _killed_writer(d, sig, delay)
        if sig == signal.SIGINT:
            assert _leftovers(d) == [], f"after SIGINT at {delay:.3f} s (exit {proc.returncode})"
        else:
            left = _leftovers(d)
            atomic_write_all({d / "unrelated.txt": "the next run\n"})
            assert _leftovers(d) == [], f"after SIGKILL at {delay:.3f} s (left {left}) and the next run"
        versions = _versions(d)
        assert versions in ({"old"}, {"new"}), f"signal {sig!r} at {delay:.3f} s left {versions}"


def test_a_killed_write_is_completed_or_undone_by_the_next(tmp_path):
    """Deterministic ends of the window: killed after the commit line (the next run completes the
    renames), and killed before it (the next run removes the temporary files and the directories the
    killed run made)."""
    d = tmp_path / "set"
    atomic_write_all(_set(d, "old"))
    script = WRITER.replace("atomic_write_all(files)", "import os, signal\n"
                            "import schemactl.output as o\n"
                            "real = o._Journal.commit\n"
                            "def commit(self):\n"
                            "    real(self)\n"
                            "    os.kill(os.getpid(), signal.SIGKILL)\n"
                            "o._Journal.commit = commit\n"
                            "atomic_write_all(files)")
    proc = subprocess.run([sys.executable, "-c", script, str(d), "new", str(N_FILES)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert _versions(d) == {"old"} and _leftovers(d)          # committed, not renamed yet
    atomic_write_all({d / "sub0" / "unrelated.txt": "the next run\n"})   # a run over fewer directories
    assert _versions(d) == {"new"} and _leftovers(d) == []

    fresh = tmp_path / "fresh"
    script = WRITER.replace('f"sub{i % 4}"', 'f"new{i % 4}/deeper"').replace(
        "atomic_write_all(files)", "import os, signal\n"
        "import schemactl.output as o\n"
        "def commit(self):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "o._Journal.commit = commit\n"
        "atomic_write_all(files)")
    fresh.mkdir()
    proc = subprocess.run([sys.executable, "-c", script, str(fresh), "new", str(N_FILES)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert _leftovers(fresh) and (fresh / "new0").exists()
    atomic_write_all({tmp_path / "beside.txt": "a run over more directories\n", fresh / "x.txt": "x\n"})
    assert sorted(p.name for p in fresh.iterdir()) == ["x.txt"]   # made directories removed too


def test_stale_temporary_files_of_earlier_versions_are_removed(tmp_path):
    target = tmp_path / "postgres.sql"
    target.write_text("old\n")
    stale = tmp_path / ".postgres.sql.k2j4_x9q.tmp"      # tempfile.mkstemp's name, as earlier versions left
    stale.write_text("half")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    foreign = tmp_path / ".other.txt.k2j4_x9q.tmp"       # not a target's: not ours to remove
    foreign.write_text("keep")
    os.utime(foreign, (time.time() - 3600, time.time() - 3600))
    atomic_write_all({target: "new\n"})
    assert not stale.exists() and foreign.exists()
    assert target.read_text() == "new\n"


def test_generate_killed_at_random_points_then_rerun_leaves_a_consistent_set(tmp_path):
    """The real command: `schemactl generate` killed while it writes, then run again: `check` passes and no
    file of the killed run is left."""
    project = tmp_path / "project"
    (project / "manifests").mkdir(parents=True)
    for name in ("memories.yaml",):
        (project / "manifests" / name).write_bytes((ROOT / "manifests" / name).read_bytes())
    (project / "pyproject.toml").write_text('[tool.schemactl]\nmanifests = ["manifests/*.yaml"]\n'
                                            'output = "generated"\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "schemactl", "generate"]
    rng = random.Random(int(os.environ.get("SCHEMACTL_FAULT_SEED", "0")) or None)
    for round_ in range(3):
        for m in sorted((project / "manifests").glob("*.yaml")):   # every generated file names its source
            m.rename(m.with_name(f"{m.stem.split('_r')[0]}_r{round_}.yaml"))
        proc = subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        out = project / "generated"
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:   # wait for its write phase
            if out.exists() and any(p.name.startswith(".") for p in out.rglob("*")):
                break
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.01))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        rerun = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
        assert rerun.returncode == 0, f"round {round_}: {rerun.stderr}"
        assert _leftovers(project) == [], f"round {round_}"
    check = subprocess.run([sys.executable, "-m", "schemactl", "check"], cwd=project, env=env,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def _hostile_journal(where: Path, files: list, dirs: list, token: str = "0123456789abcdef",
                     commit: bool = True) -> Path:
    journal = where / f".schemactl-journal-{token}"
    journal.write_text(json.dumps({"files": [[str(x) for x in entry] for entry in files],
                                   "dirs": [str(d) for d in dirs]}) + "\n" + ("commit\n" if commit else ""))
    return journal


@pytest.mark.parametrize("commit", [True, False])
def test_a_journal_naming_files_outside_its_directory_is_left_alone(tmp_path, commit):
    """A journal is a file anyone may leave (a shared directory, a repository's checkout): one that names
    targets outside its own directory is not acted on, committed or not."""
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "bashrc").write_text("the user's\n")
    (outside / "payload").write_text("echo PWNED\n")
    (outside / "precious").write_text("kept\n")
    (outside / "emptydir").mkdir()
    tree = tmp_path / "repo"
    (tree / "proj").mkdir(parents=True)
    journal = _hostile_journal(tree, [[outside / "bashrc", outside / "payload", outside / "precious"]],
                               [outside / "emptydir"], commit=commit)
    atomic_write_all({tree / "proj" / "out.txt": "written\n"})
    assert (outside / "bashrc").read_text() == "the user's\n"
    assert (outside / "payload").read_text() == "echo PWNED\n"
    assert (outside / "precious").read_text() == "kept\n"
    assert (outside / "emptydir").is_dir()
    assert journal.exists() and (tree / "proj" / "out.txt").read_text() == "written\n"


def test_a_journal_reaching_out_through_a_symbolic_link_is_left_alone(tmp_path):
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "bashrc").write_text("the user's\n")
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "link").symlink_to(outside)
    token = "0123456789abcdef"
    target = tree / "link" / "bashrc"
    (outside / f".bashrc.{token}.schemactl.tmp").write_text("echo PWNED\n")
    journal = _hostile_journal(tree, [[target, target.parent / f".bashrc.{token}.schemactl.tmp",
                                       target.parent / f".bashrc.{token}.schemactl.old"]], [])
    atomic_write_all({tree / "out.txt": "written\n"})
    assert (outside / "bashrc").read_text() == "the user's\n" and journal.exists()


@pytest.mark.parametrize("bad", ["other token", "relative", "dotdot", "named otherwise"])
def test_a_journal_whose_files_are_not_named_as_its_run_names_them_is_left_alone(tmp_path, bad):
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "victim").write_text("kept\n")
    (tree / "payload").write_text("new\n")
    token = "0123456789abcdef"
    target, tmp = tree / "victim", tree / "payload"                       # "named otherwise"
    if bad == "other token":
        tmp = tree / ".victim.fedcba9876543210.schemactl.tmp"
    elif bad == "relative":
        target, tmp = Path("victim"), Path(f".victim.{token}.schemactl.tmp")
    elif bad == "dotdot":
        target = tree / "sub" / ".." / "victim"
        tmp = target.parent / f".victim.{token}.schemactl.tmp"
    if bad != "named otherwise":
        Path(tree / tmp.name).write_text("new\n")
    journal = _hostile_journal(tree, [[target, tmp, target.parent / f".victim.{token}.schemactl.old"]], [])
    atomic_write_all({tree / "out.txt": "written\n"})
    assert (tree / "victim").read_text() == "kept\n" and journal.exists()


def test_a_journal_of_another_user_is_left_alone(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("making a file owned by another user needs root")
    tree = tmp_path / "repo"
    tree.mkdir()
    token = "0123456789abcdef"
    (tree / "victim").write_text("kept\n")
    tmp = tree / f".victim.{token}.schemactl.tmp"
    tmp.write_text("new\n")
    journal = _hostile_journal(tree, [[tree / "victim", tmp, tree / f".victim.{token}.schemactl.old"]], [])
    os.chown(journal, 65534, 65534)
    atomic_write_all({tree / "out.txt": "written\n"})
    assert (tree / "victim").read_text() == "kept\n" and journal.exists()


def test_a_journal_of_this_user_within_its_directory_is_still_completed(tmp_path):
    """The checks let a real killed run's journal through: committed, its renames are completed."""
    tree = tmp_path / "repo"
    (tree / "a").mkdir(parents=True)
    token = "0123456789abcdef"
    target = tree / "a" / "file"
    target.write_text("old\n")
    tmp = tree / "a" / f".file.{token}.schemactl.tmp"
    tmp.write_text("new\n")
    journal = _hostile_journal(tree, [[target, tmp, tree / "a" / f".file.{token}.schemactl.old"]], [])
    atomic_write_all({tree / "out.txt": "written\n"})
    assert target.read_text() == "new\n" and not journal.exists()


def test_a_streamed_file_is_written_whole_or_not_at_all(tmp_path):
    """A function writes the file (a backup too large to hold): its exception leaves nothing behind."""
    target = tmp_path / "out" / "big.bin"

    def failing(fh):
        fh.write(b"x" * 100_000)
        raise ValueError("a row the archive cannot hold")
    with pytest.raises(ValueError):
        atomic_write_all({target: failing})
    assert not target.parent.exists() and list(tmp_path.iterdir()) == []
    assert atomic_write_all({target: lambda fh: fh.write(b"abc")}) == [target]
    assert target.read_bytes() == b"abc" and _leftovers(target.parent) == []
    assert atomic_write_all({target: lambda fh: fh.write(b"abc")}) == [target]   # always written


def test_a_killed_backup_leaves_no_archive_and_the_next_one_clears_its_files(tmp_path):
    """backup wrote through mkstemp: killed, it left .big.jsonl.gz.XXXX behind for good (and no fsync)."""
    db = tmp_path / "src.db"
    import sqlite3
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, v TEXT);")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, "v" * 50) for i in range(2000)])
    conn.commit()
    conn.close()
    manifest = tmp_path / "m.yaml"
    manifest.write_text("format: 1\nname: m\nversion: 1\ntables:\n  t:\n    columns:\n"
                        "      id: {type: integer, primary_key: true}\n      v: text\n")
    out = tmp_path / "arch" / "b.jsonl.gz"
    out.parent.mkdir()
    script = ("import os, signal, sys\n"
              "import schemactl.datacopy as d\n"
              "real = d.read_table\n"
              "def killed(*a, **k):\n"
              "    for rows in real(*a, **k):\n"
              "        yield rows\n"
              "        os.kill(os.getpid(), signal.SIGKILL)\n"
              "d.read_table = killed\n"
              "from schemactl.cli import main\n"
              "main(sys.argv[1:])\n")
    proc = subprocess.run([sys.executable, "-c", script, "backup", "--manifest", str(manifest), "--db",
                           f"sqlite:///{db}", "-o", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not out.exists() and _leftovers(out.parent)   # its journal and temporary file
    done = subprocess.run([sys.executable, "-m", "schemactl", "backup", "--manifest", str(manifest), "--db",
                           f"sqlite:///{db}", "-o", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.jsonl.gz"]
