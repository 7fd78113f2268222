"""`migrate plan` shows the next migration's own files, up before down, and the commands that work on one
manifest take the project's only manifest when MANIFEST is left out."""

from __future__ import annotations

import sqlite3

from tests.conftest import cli
from tests.migrations.chain_support import BASE


def _project(tmp_path, *names: str):
    (tmp_path / "manifests").mkdir()
    for name in names:
        (tmp_path / "manifests" / f"{name}.yaml").write_text(BASE.replace("name: chain", f"name: {name}", 1))
    return tmp_path


def _ok(*args, cwd):
    result = cli(*args, cwd=cwd)
    assert result.exit_code == 0, result.output
    return result


def test_plan_prints_the_new_files_up_first_and_not_the_unchanged_ones(tmp_path):
    project = _project(tmp_path, "chain")
    _ok("generate", cwd=project)
    _ok("migrate", "new", "--name", "init", cwd=project)      # MANIFEST left out: the project's only one
    path = project / "manifests" / "chain.yaml"
    path.write_text(path.read_text().replace("tables:\n", "tables:\n  added:\n    columns:\n"
                                                          "      id: {type: bigint, primary_key: true}\n", 1))
    plan = _ok("migrate", "plan", cwd=project)
    shown = [line[3:] for line in plan.stdout.splitlines() if line.startswith("-- generated/")]
    assert shown and all("0002_plan.sql" in f for f in shown), shown   # 0001's drizzle files are unchanged
    downs = [i for i, f in enumerate(shown) if "/down/" in f]
    assert downs and min(downs) > max(i for i, f in enumerate(shown) if "/down/" not in f)
    assert "`schemactl migrate new manifests/chain.yaml --name NAME` writes these as 0002_NAME" in plan.stderr
    assert not (project / "generated" / "chain" / "migrations" / "sqlite" / "0002_plan.sql").exists()
    db = project / "app.db"
    _ok("migrate", "apply", "--db", f"sqlite:///{db}", cwd=project)
    assert sqlite3.connect(db).execute("SELECT max(version) FROM schema_version").fetchone() == (1,)


def test_a_project_with_several_manifests_is_told_to_name_one(tmp_path):
    project = _project(tmp_path, "alpha", "beta")
    for args in (("migrate", "plan"), ("diff", "--db", "sqlite:///x.db"), ("erd",)):
        result = cli(*args, cwd=project)
        assert result.exit_code == 2, result.output
        assert "works on one manifest and the project has 2 (manifests/alpha.yaml, manifests/beta.yaml): " \
               f"name one, e.g. `schemactl {' '.join(args[:2] if args[0] == 'migrate' else args[:1])} " \
               "manifests/alpha.yaml`" in result.output
    none = cli("migrate", "plan", cwd=tmp_path / "manifests")
    assert none.exit_code == 2
    backup = cli("backup", "--db", "sqlite:///x.db", "-o", "x.gz", cwd=project)   # takes --manifest M
    assert "e.g. `schemactl backup --manifest manifests/alpha.yaml`" in backup.output, backup.output


def _featured(tmp_path):
    """A project whose table extra is in feature set extra, generated, with the default set's chain begun."""
    project = _project(tmp_path, "chain")
    path = project / "manifests" / "chain.yaml"
    path.write_text(path.read_text().replace("tables:\n", "features:\n  extra: an optional table\ntables:\n", 1)
                    .replace("  extra:\n    columns:\n", "  extra:\n    feature: extra\n    columns:\n", 1))
    _ok("generate", cwd=project)
    _ok("migrate", "new", "--name", "init", cwd=project)
    return project, path


def test_the_plan_of_a_feature_set_names_it_in_the_command_it_gives(tmp_path):
    project, path = _featured(tmp_path)
    path.write_text(path.read_text().replace("tables:\n", "tables:\n  added:\n    columns:\n"
                                                          "      id: {type: bigint, primary_key: true}\n", 1))
    plan = _ok("migrate", "plan", "--features", "extra", cwd=project)
    assert "`schemactl migrate new manifests/chain.yaml --features extra --name NAME` writes these" in plan.stderr


def test_the_commands_a_message_gives_quote_a_path_with_a_blank(tmp_path):
    project = tmp_path
    (project / "manifests").mkdir()
    for name in ("my app", "other"):
        (project / "manifests" / f"{name}.yaml").write_text(BASE.replace("name: chain", f"name: {name.split()[0]}", 1))
    result = cli("migrate", "plan", cwd=project)
    assert result.exit_code == 2
    assert "e.g. `schemactl migrate plan 'manifests/my app.yaml'`" in result.output, result.output


def test_a_feature_set_without_a_chain_is_told_the_command_that_starts_it(tmp_path):
    """migrate apply --features extra before the feature set had a chain said to run `migrate new MANIFEST --name
    init`, which (the default set's chain being there) had nothing to do: the command names the feature set."""
    project, _ = _featured(tmp_path)
    refused = cli("migrate", "apply", "--db", "sqlite:///c.db", "--features", "extra", cwd=project)
    assert refused.exit_code == 2
    said = refused.stderr.split("run `", 1)[1].split("`", 1)[0]
    assert said.endswith("chain.yaml --features extra --name init"), said
    _ok(*said.split()[1:], cwd=project)
    assert _ok("migrate", "apply", "--db", "sqlite:///c.db", "--features", "extra", cwd=project).stdout.strip() \
        == "applied 1"


def test_a_renamed_manifests_next_migration_names_the_chain_left_behind(tmp_path):
    """name: chain renamed to store, then generate --migration: it said only "no migration chain; start one with
    migrate new --name init", which would begin a second history beside the one the databases were migrated by
    (left in generated/chain/migrations).  It names the git mv that carries the chain over; done, the migration
    is the chain's next."""
    project = _project(tmp_path, "chain")
    _ok("generate", cwd=project)
    _ok("migrate", "new", "--name", "init", cwd=project)
    old = project / "manifests" / "chain.yaml"
    (project / "manifests" / "store.yaml").write_text(old.read_text().replace("name: chain", "name: store", 1)
                                                      .replace("  extra:\n    columns:\n      id: {type: integer, "
                                                               "primary_key: true}\n", "  extra:\n    columns:\n"
                                                               "      id: {type: integer, primary_key: true}\n"
                                                               "      n: integer\n", 1))
    old.unlink()
    result = _ok("generate", "--migration", "add_n", cwd=project)
    assert ("if the manifest was named chain before, carry its chain over: git mv generated/chain/migrations "
            "generated/store/migrations, then run this again") in result.stderr
    (project / "generated" / "chain" / "migrations").rename(project / "generated" / "store" / "migrations")
    _ok("generate", "--migration", "add_n", cwd=project)
    assert sorted(p.name for p in (project / "generated" / "store" / "migrations" / "sqlite").glob("*.sql")) == \
        ["0001_init.sql", "0002_add_n.sql"]
