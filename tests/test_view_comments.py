"""A view's `comment:` (the manifest's schema has always taken it) was loaded and then dropped: no COMMENT ON
VIEW in postgres.sql or a migration, not in the hash, not read back nor compared by diff; and `import --db`
dropped a PostgreSQL view's comment without a word (`import --ddl` listed COMMENT ON VIEW as not a schema
statement).  A comment on a view's column has no place in the manifest: import lists it, diff reports it."""

from __future__ import annotations

import yaml

from schemactl import render
from schemactl.manifest.hashing import schema_hash
from schemactl.manifest.load import load_file
from schemactl.migrations.plan import plan
from schemactl.migrations.sql import statements
from tests.conftest import cli

MANIFEST = """\
format: 1
name: app
version: 1
tables:
  t:
    columns:
      id: {type: bigint, primary_key: true}
      name: {type: text}
views:
  names:
    sql: SELECT id, name FROM t
    comment: "the names' view"
"""


def _manifest(tmp_path, text=MANIFEST, name="app.yaml"):
    path = tmp_path / name
    path.write_text(text)
    assert cli("hash", "--write", path).exit_code == 0
    return path


def test_a_views_comment_is_rendered_hashed_applied_read_back_and_compared(tmp_path, pg, pg_test_db):
    path = _manifest(tmp_path)
    m = load_file(path)
    ddl = render.ddl(m, "postgres")
    assert """COMMENT ON VIEW names IS 'the names'' view';""" in ddl
    assert "COMMENT" not in render.ddl(m, "sqlite")
    assert schema_hash(m) != schema_hash(load_file(_manifest(tmp_path, MANIFEST.replace(
        "    comment: \"the names' view\"\n", ""), "plain.yaml")))
    pg.execute(ddl)
    clean = cli("diff", path, "--db", pg_test_db)
    assert clean.exit_code == 0, clean.output
    pg.execute("COMMENT ON VIEW names IS 'changed'")
    found = cli("diff", path, "--db", pg_test_db)
    assert found.exit_code == 1
    assert [x for x in found.output.splitlines() if "SC209" in x] == [
        f'{path}:12:5: SC209 [postgres] view "names" has another comment'], found.output
    assert "expected: the names' view" in found.output and "actual:   changed" in found.output


def test_a_views_comment_changed_by_a_migration(tmp_path):
    old = load_file(_manifest(tmp_path, MANIFEST.replace("    comment: \"the names' view\"\n", ""), "old.yaml"))
    new = load_file(_manifest(tmp_path))
    sql = statements(plan(old, new), old, new, "postgres")
    assert """COMMENT ON VIEW names IS 'the names'' view';""" in sql, sql


def test_import_keeps_a_views_comment_and_lists_a_view_columns_comment(tmp_path, pg, pg_server, pg_test_db):
    pg.execute("""
CREATE TABLE public.t (id bigint PRIMARY KEY, name text);
CREATE VIEW public.names AS SELECT id, name FROM public.t;
COMMENT ON VIEW public.names IS 'the names'' view';
COMMENT ON COLUMN public.names.name IS 'a name';
""")
    out = tmp_path / "imported.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(out.read_text())["views"]["names"]["comment"] == "the names' view"
    assert ('approximately: view "names": COMMENT ON COLUMN names.name left out: the manifest\'s view holds no '
            "column comments") in result.output, result.output
    found = cli("diff", out, "--db", pg_test_db)
    assert found.exit_code == 1
    assert [x.split(": ", 1)[1] for x in found.output.splitlines() if "SC" in x] == [
        'SC105 [postgres] view "names" holds what the manifest cannot declare'], found.output
    pg.execute("COMMENT ON COLUMN names.name IS NULL")
    assert cli("diff", out, "--db", pg_test_db).exit_code == 0


def test_import_ddl_keeps_comment_on_view(tmp_path, pg, pg_server):
    src = tmp_path / "schema.sql"
    src.write_text("CREATE TABLE t (id bigint PRIMARY KEY, name text);\n"
                   "CREATE VIEW names AS SELECT id, name FROM t;\n"
                   "COMMENT ON VIEW names IS 'the view';\n")
    out = tmp_path / "imported.yaml"
    result = cli("import", "--ddl", src, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out)
    assert result.exit_code == 0, result.output
    assert "not mapped" not in result.output.replace("0 not mapped", ""), result.output
    assert yaml.safe_load(out.read_text())["views"]["names"]["comment"] == "the view"
