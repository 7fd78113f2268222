"""One version number: the manifest's version:, the SQL headers, SCHEMA_VERSION, the bundle and
schema_version.version agree once a migration chain exists."""

from __future__ import annotations

import json
import re
import sqlite3

from schemactl.runtime import migrate
from tests.conftest import cli
from tests.migrations.chain_support import BASE


def test_every_artefact_carries_the_chain_version(tmp_path):
    (tmp_path / "manifests").mkdir()
    path = tmp_path / "manifests" / "m.yaml"
    path.write_text(BASE)

    def run(*args):
        result = cli(*args, cwd=tmp_path)
        assert result.exit_code == 0, result.output
        return result

    run("hash", "--write", "manifests/m.yaml")
    run("migrate", "new", "manifests/m.yaml", "--name", "init")
    path.write_text(path.read_text().replace("[new, done]", "[new, done, archived]"))
    run("hash", "--write", "manifests/m.yaml")
    run("migrate", "new", "manifests/m.yaml", "--name", "archived")
    run("migrate", "new", "manifests/m.yaml", "--name", "nothing")   # nothing to do: no version 3
    out = tmp_path / "generated" / "chain"
    found = {
        "manifest": int(re.search(r"^version: (\d+)$", path.read_text(), re.M).group(1)),
        "postgres.sql": int(re.search(r"version (\d+)\.", (out / "postgres.sql").read_text()).group(1)),
        "sqlite.sql": int(re.search(r"version (\d+)\.", (out / "sqlite.sql").read_text()).group(1)),
        "schema.pg.ts": int(re.search(r"SCHEMA_VERSION = (\d+);", (out / "schema.pg.ts").read_text()).group(1)),
        "bundle": json.loads((out / "bundle.json").read_text())["version"],
    }
    conn = sqlite3.connect(str(tmp_path / "app.db"))
    migrate(conn, json.loads((out / "bundle.json").read_text()))
    found["schema_version"] = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    assert found == dict.fromkeys(found, 2)
    assert cli("check", cwd=tmp_path).exit_code == 0

    # A version: line that disagrees with the chain is stale; generate (or hash --write) puts it right.
    path.write_text(path.read_text().replace("version: 2", "version: 7"))
    result = cli("check", cwd=tmp_path)
    assert result.exit_code == 1
    assert f"manifests/m.yaml:{path.read_text().splitlines().index('version: 7') + 1}:1: version is 7, the migration chain is at version 2; run `schemactl generate`" \
        in result.output
    run("hash", "--write", "manifests/m.yaml")
    assert "version: 2\n" in path.read_text() and cli("check", cwd=tmp_path).exit_code == 0
    path.write_text(path.read_text().replace("version: 2", "version: 7"))
    run("generate")
    assert "version: 2\n" in path.read_text() and cli("check", cwd=tmp_path).exit_code == 0
