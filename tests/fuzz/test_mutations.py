"""Fuzz: random byte and structure mutations of manifests, migration chains and archives.

Whatever the mutation, a command ends with a finding (1), a located refusal (2) or success (0):
never an internal error (3), never a traceback, and a refused command leaves its target as it was.
What `generate` accepts applies on both real engines.  Examples are derandomised, so a failure
is reproduced by the same run.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import ROOT, cli

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
MEMORIES = (ROOT / "manifests" / "memories.yaml").read_text("utf-8")
NEVER = 3   # internal error

HOSTILE = [None, 0, -1, 2**70, 1.5, float("inf"), True, "", "x'; DROP TABLE t; --", "a\nb", "\u202e",
           "$$", "--", [], {}, [None], {"fn": "now"}, {"sql": "1); DROP TABLE t; --"}, {"value": None},
           "text", "integer", "a.b", "capsules.id", {"table": "nowhere", "column": "id"}]


def _paths(node, prefix=()):
    """Every (path, value) of a parsed YAML document."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _replace(doc, path, value):
    if not path:
        return value
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


_DELETE = object()


def text_mutation(text: str):
    return byte_mutation(text.encode("utf-8"))


@st.composite
def byte_mutation(draw, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "duplicate", "insert", "dedent"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 80))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([b"\x00", b"&a ", b"*a", b"{", b"]", b": ", b"\n  - ", b"\t",
                                                b"'", b'"', b"\xff\xfe", b"!!python/object:os.system ",
                                                b"<<: *a\n", b"\r", b"\n"]))
        else:
            end = data.find(b"\n", at)
            data[at:end if end > 0 else at] = data[at:end if end > 0 else at].lstrip(b" ")
        if not data:
            data = bytearray(b"x")
    return bytes(data)


@st.composite
def structure_mutation(draw, text: str) -> bytes:
    doc = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p, _ in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        value = draw(st.sampled_from(HOSTILE + [_DELETE]))
        doc = _replace(doc, path, value)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8")


def _outcome(args, cwd):
    result = cli(*args, cwd=cwd)
    assert result.exit_code != NEVER, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def _check_generated(out: Path, pg) -> None:
    """What generate wrote applies on both engines."""
    for sql in out.rglob("sqlite.sql"):
        sqlite3.connect(":memory:").executescript(sql.read_text("utf-8"))
    for sql in out.rglob("postgres.sql"):
        pg.execute("BEGIN")
        try:
            pg.execute(sql.read_text("utf-8"))
        finally:
            pg.rollback()


def _manifest_case(tmp_path_factory, raw: bytes, pg):
    work = tmp_path_factory.mktemp("fuzz")
    (work / "m.yaml").write_bytes(raw)
    _outcome(["validate", "m.yaml"], work)
    result = _outcome(["generate", "m.yaml", "-o", "out"], work)
    if result.exit_code == 0:
        _check_generated(work / "out", pg)
    else:
        assert not (work / "out").exists() or not any((work / "out").rglob("*")), "a refused generate wrote files"


@SETTINGS
@given(raw=text_mutation(MEMORIES))
def test_manifest_byte_mutations(tmp_path_factory, pg, raw):
    _manifest_case(tmp_path_factory, raw, pg)


@SETTINGS
@given(raw=structure_mutation(MEMORIES))
def test_manifest_structure_mutations(tmp_path_factory, pg, raw):
    _manifest_case(tmp_path_factory, raw, pg)


# --- migration chains ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chain_project(tmp_path_factory):
    """A project with memories' committed chain, and a SQLite database brought to it."""
    base = tmp_path_factory.mktemp("chain")
    (base / "manifests").mkdir()
    shutil.copy(ROOT / "manifests" / "memories.yaml", base / "manifests")
    shutil.copytree(ROOT / "generated" / "memories" / "migrations", base / "generated" / "memories" / "migrations")
    assert cli("generate", cwd=base).exit_code == 0
    return base


CHAIN_FILES = ["generated/memories/migrations/lock.json", "generated/memories/migrations/snapshot.yaml",
               "generated/memories/migrations/sqlite/0001_init.sql"]


@st.composite
def chain_mutation(draw):
    rel = draw(st.sampled_from(CHAIN_FILES))
    return rel, draw(text_mutation((ROOT / rel).read_text("utf-8")) | structure_mutation((ROOT / rel).read_text(
        "utf-8")) if rel.endswith((".json", ".yaml")) else text_mutation((ROOT / rel).read_text("utf-8")))


@SETTINGS
@given(mutation=chain_mutation())
def test_chain_mutations(tmp_path_factory, chain_project, mutation):
    rel, raw = mutation
    work = tmp_path_factory.mktemp("chainfuzz")
    shutil.copytree(chain_project, work, dirs_exist_ok=True)
    (work / rel).write_bytes(raw)
    _outcome(["check"], work)
    _outcome(["migrate", "plan", "manifests/memories.yaml"], work)
    db = work / "app.db"
    result = _outcome(["migrate", "apply", "manifests/memories.yaml", "--db", f"sqlite:///{db}"], work)
    if result.exit_code != 0 and db.exists():
        tables = sqlite3.connect(db).execute("SELECT name FROM sqlite_schema").fetchall()
        assert tables == [], f"a refused apply changed the database: {tables}"


# --- archives -----------------------------------------------------------------------------------

SMALL = """\
format: 1
name: small
version: 1
enums: {mood: [happy, sad]}
tables:
  parents:
    columns:
      id: {type: bigint, primary_key: true}
      name: text
  kids:
    columns:
      id: {type: integer, primary_key: true}
      parent_id: {type: bigint, references: parents.id}
      note: {type: varchar(12)}
      born: timestamptz
      data: jsonb
      blob: bytes
      mood: mood
      price: numeric(8,2)
"""


@pytest.fixture(scope="module")
def archive_project(tmp_path_factory):
    base = tmp_path_factory.mktemp("archive")
    (base / "m.yaml").write_text(SMALL)
    assert cli("generate", "m.yaml", "-o", "out", cwd=base).exit_code == 0
    db = sqlite3.connect(base / "src.db")
    db.executescript((base / "out" / "small" / "sqlite.sql").read_text())
    db.execute("INSERT INTO parents VALUES (1, 'one'), (2, 'two')")
    db.execute("INSERT INTO kids VALUES (1, 1, 'a', 1700000000000, '{\"k\": [1, 2]}', x'00ff', 'happy', '12.50'),"
               " (2, 2, 'b', NULL, 'null', x'', 'sad', '-0.01'), (3, NULL, NULL, 0, NULL, NULL, NULL, NULL)")
    db.commit()
    db.close()
    result = cli("backup", "--manifest", "m.yaml", "--db", f"sqlite:///{base}/src.db", "-o", "a.gz", cwd=base)
    assert result.exit_code == 0, result.output
    return base


@st.composite
def archive_mutation(draw, raw: bytes):
    if draw(st.booleans()):
        return draw(byte_mutation(raw))
    lines = gzip.decompress(raw).decode("utf-8").splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "duplicate", "swap", "edit"]))
        if kind == "drop":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            line = bytearray(lines[at].encode("utf-8"))
            pos = draw(st.integers(0, max(len(line) - 2, 0)))
            line[pos:pos + 1] = draw(st.sampled_from([b"", b"9", b"null", b"[", b"\"", b",1", b"{}", b"-1e999"]))
            lines[at] = line.decode("utf-8", "replace")
        if not lines:
            break
    return gzip.compress("".join(lines).encode("utf-8"), mtime=0)


@SETTINGS
@given(data=st.data())
def test_archive_mutations(tmp_path_factory, archive_project, data):
    raw = data.draw(archive_mutation((archive_project / "a.gz").read_bytes()))
    work = tmp_path_factory.mktemp("restorefuzz")
    (work / "a.gz").write_bytes(raw)
    target = sqlite3.connect(work / "t.db")
    target.executescript((archive_project / "out" / "small" / "sqlite.sql").read_text())
    target.close()
    result = _outcome(["restore", work / "a.gz", "--manifest", archive_project / "m.yaml",
                       "--db", f"sqlite:///{work}/t.db"], work)
    if result.exit_code != 0:
        conn = sqlite3.connect(work / "t.db")
        counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("parents", "kids")]
        assert counts == [0, 0], "a refused restore wrote rows"
