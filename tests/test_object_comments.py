"""COMMENT ON INDEX, CONSTRAINT, SEQUENCE, TRIGGER, POLICY, TYPE (an enum) and FUNCTION: the manifest declares
comments of tables, columns and views only, so none of these has a place in it.  `import --db` dropped them
without a word and `diff` called such a database identical to the manifest, while `import --ddl` listed the
statements as "not a schema statement".  Now both imports list each, naming the object that holds it, and
`diff` reports each as SC105."""

from __future__ import annotations

import re

import yaml

from tests.conftest import cli

DDL = """\
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE SEQUENCE counter;
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE t (
    id bigint PRIMARY KEY,
    code text CONSTRAINT t_code_key UNIQUE,
    parent_id bigint CONSTRAINT t_parent_fk REFERENCES parent (id),
    n integer CONSTRAINT t_n_check CHECK (n > 0),
    m mood
);
CREATE INDEX t_n_idx ON t (n);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY t_all ON t USING (n > 0);
COMMENT ON TABLE t IS 'kept';
COMMENT ON INDEX t_n_idx IS 'an index';
COMMENT ON INDEX t_pkey IS 'the key''s index';
COMMENT ON CONSTRAINT t_code_key ON t IS 'a unique key';
COMMENT ON CONSTRAINT t_parent_fk ON t IS 'a foreign key';
COMMENT ON CONSTRAINT t_n_check ON t IS 'a check';
COMMENT ON SEQUENCE counter IS 'a sequence';
COMMENT ON TRIGGER t_touch ON t IS 'a trigger';
COMMENT ON POLICY t_all ON t IS 'a policy';
COMMENT ON TYPE mood IS 'an enum';
COMMENT ON FUNCTION touch() IS 'a function';
"""

NO_COMMENTS = """\
COMMENT ON INDEX t_n_idx IS NULL; COMMENT ON INDEX t_pkey IS NULL;
COMMENT ON CONSTRAINT t_code_key ON t IS NULL; COMMENT ON CONSTRAINT t_parent_fk ON t IS NULL;
COMMENT ON CONSTRAINT t_n_check ON t IS NULL; COMMENT ON SEQUENCE counter IS NULL;
COMMENT ON TRIGGER t_touch ON t IS NULL; COMMENT ON POLICY t_all ON t IS NULL; COMMENT ON TYPE mood IS NULL;
COMMENT ON FUNCTION touch() IS NULL;
"""

# (what import names, the statement it leaves out, the line of DDL holding that statement)
LISTED = [
    ('table "t", index "t_n_idx"', "COMMENT ON INDEX t_n_idx", 17),
    ('table "t", index "t_pkey"', "COMMENT ON INDEX t_pkey", 18),
    ('table "t", constraint "t_code_key"', "COMMENT ON CONSTRAINT t_code_key ON t", 19),
    ('table "t", foreign key "t_parent_fk"', "COMMENT ON CONSTRAINT t_parent_fk ON t", 20),
    ('table "t", check "t_n_check"', "COMMENT ON CONSTRAINT t_n_check ON t", 21),
    ('sequence "counter"', "COMMENT ON SEQUENCE counter", 22),
    ('trigger "t_touch"', "COMMENT ON TRIGGER t_touch ON t", 23),
    ('table "t", policy "t_all"', "COMMENT ON POLICY t_all ON t", 24),
    ('enum "mood"', "COMMENT ON TYPE mood", 25),
    ('function "touch"', "COMMENT ON FUNCTION touch", 26),
]

SC105 = sorted([
    'index "t_n_idx" on "t"', 'index "t_pkey" on "t"', 'constraint "t_code_key" on "t"',
    'foreign key "t_parent_fk" on "t"', 'check "t_n_check" on "t"', 'sequence "counter"',
    'trigger "t_touch" on "t"', 'policy "t_all" on "t"', 'enum "mood"', 'function "touch"'])


def _comment_lines(output: str) -> list[str]:
    return sorted(x for x in output.splitlines() if "COMMENT ON" in x)


def _expected(where=lambda line: ""):
    return sorted(f"import: approximately: {where(line)}{what}: {stmt} left out: the manifest holds no comment on "
                  f"{'an' if stmt.split()[2] == 'INDEX' else 'a'} {stmt.split()[2].lower()}"
                  for what, stmt, line in LISTED)


def _sc105(output: str) -> list[str]:
    return sorted(re.sub(r"^.*SC105 \[postgres\] (.*) holds what the manifest cannot declare$", r"\1", x)
                  for x in output.splitlines() if "SC105" in x)


def test_import_db_lists_each_comment_the_manifest_cannot_hold_and_diff_reports_it(tmp_path, pg, pg_server,
                                                                                     pg_test_db):
    pg.execute(DDL)
    out = tmp_path / "imported.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert _comment_lines(result.output) == _expected(), result.output
    assert "0 not mapped" in result.output, result.output
    doc = yaml.safe_load(out.read_text())
    assert doc["tables"]["t"]["comment"] == "kept"      # a table's comment is the manifest's own: kept
    found = cli("diff", out, "--db", pg_test_db)
    assert found.exit_code == 1, found.output
    assert _sc105(found.output) == SC105, found.output
    assert "Traceback" not in found.output
    # nothing else differs: without the comments the database is the manifest's
    pg.execute(NO_COMMENTS)
    clean = cli("diff", out, "--db", pg_test_db)
    assert clean.exit_code == 0, clean.output


def test_diff_points_at_the_manifests_own_entry_of_the_object(tmp_path, pg, pg_server, pg_test_db):
    pg.execute(DDL)
    out = tmp_path / "imported.yaml"
    assert cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out).exit_code == 0
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    from schemactl.manifest.load import load_file
    found = {f.message.split(" holds")[0]: f.manifest_path
             for f in diff(expect(load_file(out), "postgres"), introspect(pg, "postgres")) if f.code == "SC105"}
    assert found['sequence "counter"'] == ("sequences", "counter")
    assert found['enum "mood"'] == ("enums", "mood")
    assert found['function "touch"'] == ("functions", "touch")
    assert found['trigger "t_touch" on "t"'] == ("triggers", "t_touch")
    assert found['policy "t_all" on "t"'] == ("tables", "t", "policies", "t_all")
    assert found['index "t_n_idx" on "t"'] == ("tables", "t")


def test_import_ddl_lists_the_same_comments_at_their_statements(tmp_path, pg_server):
    src = tmp_path / "schema.sql"
    src.write_text(DDL)
    out = tmp_path / "imported.yaml"
    result = cli("import", "--ddl", src, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out)
    assert result.exit_code == 0, result.output
    assert "not a schema statement" not in result.output, result.output
    assert _comment_lines(result.output) == _expected(lambda line: f"{src}:{line}: "), result.output
    assert "0 not mapped" in result.output, result.output
