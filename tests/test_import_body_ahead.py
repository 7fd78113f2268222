"""import dumps the manifest's YAML in a forked copy of itself while it checks the doc (importer._body_ahead):
the same bytes as dumping it in the process, and the same manifest with forking turned off."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

DDL = """CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, born TEXT DEFAULT '1970-01-01');
CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES author(id) ON DELETE CASCADE,
                   title TEXT NOT NULL CHECK (length(title) > 0), price NUMERIC(10, 2) DEFAULT 9.5);
CREATE INDEX book_title ON book(title);
"""

SCRIPT = """
import sys
from schemactl import cores, importer
assert cores.fork_usable(), "no fork here"
doc = {"format": 1, "name": "x", "version": 1, "tables": {f"t{i}": {"columns": {"id": {"type": "bigint",
       "primary_key": True}, "note": {"type": "text", "default": "it's \\\\ 'quoted'\\nline"}}} for i in range(300)}}
body = importer._body_ahead(doc)
assert body.forked
assert body() == importer._body(doc) and body() is body()
stopped = importer._body_ahead(doc)
stopped.stop()
assert stopped.forked and stopped() == importer._body(doc)   # (a copy ended unread: dumped here)
print("ok")
"""


def _run(args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    env.pop("SCHEMACTL_NO_FORK", None) if env_extra is None else None
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)


def test_the_forked_dump_is_the_dump():
    res = _run([sys.executable, "-c", SCRIPT])
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


def test_the_manifest_is_the_same_with_forking_off(tmp_path):
    (tmp_path / "schema.sql").write_text(DDL)
    outs = []
    for extra in (None, {"SCHEMACTL_NO_FORK": "1"}):
        (tmp_path / str(len(outs))).mkdir()
        out = tmp_path / str(len(outs)) / "books.yaml"
        res = _run([sys.executable, "-m", "schemactl", "import", "--ddl", str(tmp_path / "schema.sql"), "--dialect",
                    "sqlite", "-o", str(out)], extra)
        assert res.returncode == 0, res.stderr
        outs.append(out.read_text())
    assert outs[0] == outs[1] and "author_id" in outs[0]
