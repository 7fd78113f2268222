"""A migration chain builds exactly the manifest's column order, or no migration is written.

PostgreSQL (and SQLite's ALTER TABLE ADD COLUMN) put an added column last and never move one, so a manifest
that adds a column between existing ones, or moves an existing one, cannot be built by any migration: `generate
--migration` and `migrate new` refuse it at the column (exit 2, nothing written) and `check` reports it instead of
"ok".  Every change they do accept is applied to real SQLite and PostgreSQL databases and compared with the
manifest (diff: SC207 is column order), as the runtimes' deep verify compares it."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, cli

GOOD = (ROOT / "manifests" / "memories.yaml").read_text()
MANIFEST = "manifests/memories.yaml"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "manifests").mkdir()
    (tmp_path / MANIFEST).write_text(GOOD)
    assert cli("migrate", "new", MANIFEST, "--name", "init", cwd=tmp_path).exit_code == 0
    return tmp_path


def _edit(project, old: str, new: str) -> None:
    path = project / MANIFEST
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _line_of(project, text: str) -> int:
    return next(i for i, line in enumerate((project / MANIFEST).read_text().splitlines(), 1) if line == text)


def _chain(project) -> dict:
    return {p: p.read_bytes() for p in (project / "generated").rglob("*") if p.is_file()}


def _built_on_both_engines(project, pg_server, tmp_path) -> None:
    """The chain applied to a new SQLite and a new PostgreSQL database: each is the manifest (diff exit 0)."""
    urls = [f"sqlite:///{tmp_path / 'built.db'}", pg_server.url("schemactl_tests")]
    for url in urls:
        applied = cli("migrate", "apply", MANIFEST, "--db", url, cwd=project)
        assert applied.exit_code == 0, applied.output
        diff = cli("diff", MANIFEST, "--db", url, cwd=project)
        assert diff.exit_code == 0, (url, diff.output)


def test_a_column_added_between_existing_ones_is_refused_at_the_column(project):
    before = _chain(project)
    _edit(project, "      body: text\n", "      body: text\n      mood: text\n")
    line = _line_of(project, "      mood: text")
    for args in (("generate", "--migration", "add_mood"), ("migrate", "new", MANIFEST, "--name", "add_mood")):
        result = cli(*args, cwd=project)
        assert result.exit_code == 2, (args, result.output)
        assert f"{MANIFEST}:{line}:7: error: " in result.stderr, result.stderr
        assert 'column "mood" is added before existing columns metadata, size_bytes, is_deleted, created_at, ' \
               "updated_at" in result.stderr
        assert "move it after the last existing column, updated_at" in result.stderr
        assert "Traceback" not in result.output
        assert _chain(project) == before        # nothing written
    assert cli("migrate", "plan", MANIFEST, cwd=project).exit_code == 2
    # check names the same problem at the same place (and never says ok), full or after generate
    for args in (("check",), ("generate",), ("check",)):
        result = cli(*args, cwd=project, env={"SCHEMACTL_NO_CACHE": None})
        if args == ("generate",):
            continue
        assert result.exit_code == 1, result.output
        assert f"{MANIFEST}:{line}:7: " in result.stderr and "move it after the last existing column, updated_at" \
            in result.stderr and "ok:" not in result.output, result.output
        assert "manifest changed without a new migration" not in result.stderr


def test_existing_columns_moved_are_refused(project):
    _edit(project, "      body: text\n      metadata:", "      metadata:")
    _edit(project, "      is_deleted:", "      body: text\n      is_deleted:")
    result = cli("generate", "--migration", "reorder", cwd=project)
    assert result.exit_code == 2, result.output
    assert 'column "metadata" is moved among the existing columns' in result.stderr, result.stderr
    assert "put it back after body" in result.stderr
    assert cli("check", cwd=project).exit_code == 1


def test_the_column_moved_last_is_built_on_both_engines(project, pg, pg_server, tmp_path):
    """The fix the refusal names, with a column the SQLite side adds by a table rebuild (UNIQUE) and one it adds
    in place: both engines' databases are the manifest."""
    _edit(project, "      body: text\n", "      body: text\n      mood: text\n")
    assert cli("generate", "--migration", "add_mood", cwd=project).exit_code == 2
    _edit(project, "      mood: text\n", "")
    _edit(project, "      updated_at: {type: timestamptz, nullable: false, default: {fn: now}}\n    indexes:\n"
                   "      - columns: [capsule_id",
          "      updated_at: {type: timestamptz, nullable: false, default: {fn: now}}\n      mood: text\n"
          "      slug: {type: varchar(40), unique: true}\n    indexes:\n      - columns: [capsule_id")
    result = cli("generate", "--migration", "add_mood", cwd=project)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert cli("check", cwd=project).exit_code == 0
    _built_on_both_engines(project, pg_server, tmp_path)


def test_removing_and_renaming_columns_still_migrate(project, pg, pg_server, tmp_path):
    """A dropped column and a renamed one (renamed_from) keep the existing order; a column added after them too."""
    _edit(project, "      body: text\n", "      content: {type: text, renamed_from: body}\n")
    _edit(project, "      is_deleted: {type: boolean, nullable: false, default: false}\n", "")
    _edit(project, "      description: text\n", "      summary: {type: text, renamed_from: description}\n")
    _edit(project, "      updated_at: {type: timestamptz, nullable: false, default: {fn: now}}\n    indexes:\n"
                   "      - columns: [owner_principal",
          "      updated_at: {type: timestamptz, nullable: false, default: {fn: now}}\n      archived: boolean\n"
          "    indexes:\n      - columns: [owner_principal")
    _edit(project, '        where: "NOT is_deleted"\n', "")
    result = cli("generate", "--migration", "reshape", "--allow-destructive", cwd=project)
    assert result.exit_code == 0, result.output
    assert "rename column memories.body to content" in result.stderr
    assert "drop column memories.is_deleted" in result.stderr
    assert cli("check", cwd=project).exit_code == 0
    _built_on_both_engines(project, pg_server, tmp_path)


def test_a_chain_an_earlier_schemactl_wrote_is_named_by_check_and_mended(project, pg, pg_server, tmp_path):
    """An earlier schemactl warned and wrote the migration of a column added between existing ones, so `check`
    said ok while the chain's databases held it last.  check now names it (at the column, as the chain holds
    it); a further migration is refused until the manifest says the order the databases hold, and the migration
    that records it (no statement) leaves the databases built before and after it diff-clean on both engines."""
    from tests.migrations.chain_support import misordered_chain
    end = "    indexes:\n      - columns: [capsule_id"
    misordered_chain(project, MANIFEST, end, "      mood: text\n", "      metadata: {type: jsonb")
    urls = [f"sqlite:///{tmp_path / 'old.db'}", pg_server.url("schemactl_tests")]
    for url in urls:   # databases built by that chain: the column last, so diff finds SC207
        assert cli("migrate", "apply", MANIFEST, "--db", url, cwd=project).exit_code == 0
        diff = cli("diff", MANIFEST, "--db", url, cwd=project)
        assert diff.exit_code == 1 and "SC207" in diff.stdout, diff.output
    line = _line_of(project, "      mood: text")
    check = cli("check", cwd=project, env={"SCHEMACTL_NO_CACHE": "1"})
    assert check.exit_code == 1, check.output
    assert f'{MANIFEST}:{line}:7: table "memories": column "mood" is not where the migration chain put it' \
        in check.stderr and "put it after updated_at, as those databases hold it" in check.stderr, check.stderr
    _edit(project, end, "      tag: text\n" + end)
    refused = cli("generate", "--migration", "add_tag", cwd=project)
    assert refused.exit_code == 2 and "put it after updated_at" in refused.stderr, refused.output
    _edit(project, "      tag: text\n", "")
    _edit(project, "      mood: text\n", "")
    _edit(project, end, "      mood: text\n" + end)
    mended = cli("generate", "--migration", "mood_last", cwd=project)
    assert mended.exit_code == 0, mended.output
    assert cli("check", cwd=project, env={"SCHEMACTL_NO_CACHE": "1"}).exit_code == 0
    for url in urls:   # the databases built before, migrated on
        assert cli("migrate", "apply", MANIFEST, "--db", url, cwd=project).exit_code == 0
        diff = cli("diff", MANIFEST, "--db", url, cwd=project)
        assert diff.exit_code == 0, (url, diff.output)
    pg.execute("DROP TABLE memories, capsule_members, capsules, schema_version CASCADE")
    pg.execute("DROP TYPE memory_kind, capsule_role")
    _built_on_both_engines(project, pg_server, tmp_path)   # and new ones


def test_the_order_read_from_postgresql_statements():
    from schemactl.migrations.built import column_orders
    first = ('CREATE TABLE app."Items" (\n    id integer NOT NULL,\n    "odd, name" text DEFAULT \'a, (b\',\n'
             "    n numeric(10, 2) CHECK (n > 0),\n    CONSTRAINT items_pkey PRIMARY KEY (id),\n"
             '    UNIQUE (n)\n);\nCREATE TABLE gone (x int);\nCREATE INDEX i ON app."Items" (n);\n')
    second = ('ALTER TABLE app."Items" ADD COLUMN later text;\nALTER TABLE app."Items" RENAME COLUMN n TO amount;\n'
              'ALTER TABLE app."Items" DROP COLUMN id;\nALTER TABLE app."Items" RENAME TO items;\n'
              "ALTER TABLE items ADD CONSTRAINT c CHECK (amount > 0);\nDROP TABLE gone;\n")
    assert column_orders([first]) == {"Items": ("id", "odd, name", "n"), "gone": ("x",)}
    assert column_orders([first, second]) == {"items": ("odd, name", "amount", "later")}
