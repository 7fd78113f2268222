"""import --drizzle of a pg-core schema: while Node still reads the module, a forked copy of the process works out
what the engine checks say of the mapped doc and its schema hash (importer.checks_ahead, load.checked_ahead);
the doc then gains only drizzle: blocks, which neither reads, and load_text takes the copy's answer instead of
checking again.  The same manifest, problems and hash as checking it all in the process."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import pytest
import yaml

from schemactl.errors import ManifestInvalid
from schemactl.manifest import yamlpos
from schemactl.manifest.hashing import schema_hash
from schemactl.manifest.load import checked_ahead, load_text
from tests.conftest import ROOT
from tests.manifest.test_load_data import TEXT as SHOP

# the shop manifest of tests/manifest/test_load_data.py, with a check the engines say something of (a numeric
# column held as TEXT on SQLite compared with a number) and a partial index
TEXT = SHOP.replace('''    checks: ["price >= 0"]
    indexes:
      - columns: [seen]
''', '''    checks:
      - {name: bounded, expr: "price < 1000000"}
    indexes:
      - {columns: [seen], where: "seen IS NOT NULL"}
''')
# what the engines refuse: an index whose predicate reads the clock
REFUSED = TEXT.replace('where: "seen IS NOT NULL"', 'where: "seen > now()"')
DRIZZLE = {"id": {"key": "id", "mode": "number"}, "price": {"key": "price", "mode": "string"},
           "seen": {"key": "seenAt", "mode": "date"}}


def _with_drizzle(doc: dict) -> dict:
    out = copy.deepcopy(doc)
    for name, col in out["tables"]["items"]["columns"].items():
        col["drizzle"] = DRIZZLE[name]
    out["tables"]["items"]["drizzle"] = {"export": "items"}
    out["drizzle"] = {"core": "postgres"}
    return out


def _outcome(text: str, doc: dict, **kwargs):
    try:
        m = load_text(text, "<t>", data=doc, **kwargs)
    except ManifestInvalid as exc:
        return "invalid", [str(d) for d in exc.diagnostics]
    return schema_hash(m), [str(w) for w in m.warnings]


@pytest.mark.parametrize("source", [TEXT, REFUSED])
def test_what_the_copy_works_out_is_what_loading_the_whole_doc_says(source):
    doc = yamlpos.load(source).data
    full = _with_drizzle(doc)
    text = yaml.safe_dump(full, sort_keys=False)
    engines, digest = checked_ahead(doc)
    assert engines, "the engines say something of this doc (a warning or a refusal)"
    plain = _outcome(text, full)
    assert (plain[0] == "invalid") == (source is REFUSED), plain   # (a warning; a refusal)
    assert _outcome(text, full, engines=engines) == plain
    assert _outcome(text, full, engines=lambda: engines) == plain
    if plain[0] != "invalid":
        assert plain[0] == digest and plain[1], plain   # (the engines' warning, where the final text has it)


def test_a_doc_that_does_not_build_is_not_worked_out():
    doc = yamlpos.load(TEXT).data
    doc["tables"]["items"]["columns"]["price"]["type"] = "no such type"
    assert checked_ahead(doc) is None
    assert checked_ahead(["not", "a", "manifest"]) is None


SCRIPT = """
import sys
from schemactl import cli, importer
used = []
real = importer._ahead_result
def recorded(job):
    got = real(job)
    used.append(got is not None)
    return got
importer._ahead_result = recorded
try:
    cli.main(["import", "--drizzle", sys.argv[1], "-o", sys.argv[2]], standalone_mode=False)
except SystemExit as exc:
    assert not exc.code, exc.code
print("used" if used == [True] else f"not used: {used}")
"""


def test_the_import_takes_the_copys_answer_and_writes_what_it_writes_without_one(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    schema = tmp_path / "team_pg.ts"
    schema.write_text((ROOT / "tests" / "drizzle_import" / "fixtures" / "team_pg.ts").read_text())
    env = {k: v for k, v in os.environ.items() if k != "SCHEMACTL_NO_FORK"}
    res = subprocess.run([sys.executable, "-c", SCRIPT, str(schema), str(tmp_path / "ahead.yaml")], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and res.stdout.strip() == "used", res.stdout + res.stderr
    res = subprocess.run([sys.executable, "-m", "schemactl", "import", "--drizzle", str(schema), "-o",
                          str(tmp_path / "here.yaml")], cwd=tmp_path, env={**env, "SCHEMACTL_NO_FORK": "1"},
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    ahead, here = (tmp_path / "ahead.yaml").read_text(), (tmp_path / "here.yaml").read_text()
    assert ahead.replace("name: ahead", "name: here") == here and "\nhash: sha256:" in here
