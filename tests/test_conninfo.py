"""--db (and --from, --to) take a libpq conninfo string as the README says, as well as a URL; a secret in it
never shows."""

from __future__ import annotations

from schemactl import render
from schemactl.manifest.load import load_text
from tests.conftest import cli

MANIFEST = "format: 1\nname: cw\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"


def test_diff_reads_a_conninfo_string(tmp_path, pg, pg_test_db):
    path = tmp_path / "cw.yaml"
    path.write_text(MANIFEST)
    pg.execute(render.ddl(load_text(MANIFEST, "cw.yaml"), "postgres"))
    assert "=" in pg_test_db and "://" not in pg_test_db
    result = cli("diff", path, "--db", pg_test_db)
    assert result.exit_code == 0 and "no differences (cw on postgres)" in result.output, result.output
    failed = cli("diff", path, "--db", "host=/nonexistent-schemactl dbname=x password=sekrit")
    assert failed.exit_code == 2 and "sekrit" not in failed.output and "cannot connect" in failed.output
