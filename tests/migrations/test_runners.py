"""The migration files stand alone: runners that only execute them in order (sqlx's way, the sqlite3
shell, psql -1 -f) leave every row in place, record the same schema_version rows as the runtime, and
leave a database that schemactl.runtime verifies deeply and continues.  SQLite runs here with foreign keys
ON inside each file's transaction, where PRAGMA foreign_keys=OFF does nothing and DROP TABLE of a parent
fires ON DELETE CASCADE on its children."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from schemactl.migrations.files import chain_dir, read_lock
from schemactl.runtime import migrate, verify
from tests.migrations.chain_support import Chain
from tests.migrations.family import RELEASES, ROWS, fingerprint


def _flip(text: str) -> str:
    """The FK cycle the other way round: RESTRICT from members to teams, CASCADE from teams to members."""
    return text.replace("column: members, column: id, on_delete: restrict", "column: members, column: id, "
                        "on_delete: cascade").replace("table: teams, column: id, on_delete: cascade",
                                                      "table: teams, column: id, on_delete: restrict") \
        .replace("table: members, column: id, on_delete: restrict", "table: members, column: id, on_delete: cascade")


@pytest.fixture(scope="module", params=["restrict_to_members", "restrict_to_teams"])
def family(tmp_path_factory, request):
    chain = Chain(tmp_path_factory.mktemp("family"))
    m = None
    for slug, text in RELEASES:
        text = text if request.param == "restrict_to_members" else _flip(text)
        assert request.param == "restrict_to_members" or "teams, column: id, on_delete: restrict" in text
        m, _ = chain.release(text, slug)
    return chain, chain.bundle(m)


def files(chain, engine: str) -> list[Path]:
    return sorted((chain_dir(chain.out) / engine).glob("*.sql"))


def sqlite_rows(path):
    def rows(sql):
        with sqlite3.connect(path) as c:
            return c.execute(sql).fetchall()
    return rows


def history(rows_of) -> list[tuple]:
    return [tuple(r) for r in rows_of("SELECT version, hash, checksum FROM schema_version ORDER BY version")]


def expected_history(bundle, engine: str, upto: int | None = None) -> list[tuple]:
    ms = bundle["engines"][engine]["migrations"][:upto]
    return [(m["version"], m["hash"], m["checksum"]) for m in ms]


# ---------------------------------------------------------------- SQLite runners

def sqlx_style(db: str, path: Path) -> None:
    """What sqlx does with a file: foreign keys ON (its SQLite default), the file in one transaction."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript("BEGIN;\n" + path.read_text("utf-8") + "\nCOMMIT;")
    finally:
        conn.close()


def sqlite3_shell_in_transaction(db: str, path: Path) -> None:
    """The sqlite3 shell, foreign keys ON, the file read inside BEGIN/COMMIT; -bail stops at an error."""
    script = f"PRAGMA foreign_keys = ON;\nBEGIN;\n.read '{path}'\nCOMMIT;\n"
    subprocess.run(["sqlite3", "-bail", db], input=script, text=True, check=True, capture_output=True)


def sqlite3_shell_plain(db: str, path: Path) -> None:
    """The sqlite3 shell as it comes (foreign keys off, each statement its own transaction)."""
    subprocess.run(["sqlite3", "-bail", db, f".read '{path}'"], text=True, check=True, capture_output=True)


SQLITE_RUNNERS = {"sqlx_style": sqlx_style, "sqlite3_shell_fk_on_tx": sqlite3_shell_in_transaction,
                  "sqlite3_shell_plain": sqlite3_shell_plain}


def _populated_sqlite(chain, tmp_path, runner) -> str:
    db = str(tmp_path / "app.db")
    runner(db, files(chain, "sqlite")[0])
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA foreign_keys = ON")
        for stmt in ROWS:
            c.execute(stmt)
    return db


@pytest.mark.parametrize("name", sorted(SQLITE_RUNNERS))
def test_sqlite_runner_keeps_every_row_and_records_the_history(family, tmp_path, name):
    if name.startswith("sqlite3_shell") and shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 shell is not installed")
    chain, bundle = family
    runner = SQLITE_RUNNERS[name]
    db = _populated_sqlite(chain, tmp_path, runner)
    before = fingerprint(sqlite_rows(db))
    assert before["children"][0] == 3 and before["members"][0] == 3
    for path in files(chain, "sqlite")[1:]:
        runner(db, path)
    assert fingerprint(sqlite_rows(db)) == before
    assert history(sqlite_rows(db)) == expected_history(bundle, "sqlite")
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # the rebuilt tables keep their full-text index, trigger, view and AUTOINCREMENT counter
        assert c.execute("SELECT rowid FROM parents_fts WHERE parents_fts MATCH 'bob'").fetchall() == [(2,)]
        assert c.execute("SELECT count(*) FROM family_labels").fetchone() == (3,)
        assert c.execute("SELECT seq FROM sqlite_sequence WHERE name = 'parents'").fetchone() == (3,)
        assert c.execute("SELECT rank FROM children ORDER BY id").fetchall() == [(1,), (1,), (1,)]
    conn = sqlite3.connect(db)
    verify(conn, bundle, deep=True)
    assert migrate(conn, bundle) == []
    conn.close()


@pytest.mark.parametrize("name", sorted(SQLITE_RUNNERS))
def test_the_runtime_continues_a_chain_a_runner_started(family, tmp_path, name):
    if name.startswith("sqlite3_shell") and shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 shell is not installed")
    chain, bundle = family
    db = _populated_sqlite(chain, tmp_path, SQLITE_RUNNERS[name])
    before = fingerprint(sqlite_rows(db))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    assert migrate(conn, bundle) == [2, 3]
    verify(conn, bundle, deep=True)
    conn.close()
    assert fingerprint(sqlite_rows(db)) == before


def test_dirty_rows_are_kept_by_runners_and_refused_by_the_runtime(family, tmp_path):
    """An orphan row (written while foreign keys were off) survives a runner's rebuild unchanged, as it
    was; the runtime checks foreign keys before it commits, refuses, names the table and changes nothing."""
    chain, bundle = family
    dbs = []
    for name in ("runner", "runtime"):
        (tmp_path / name).mkdir()
        db = _populated_sqlite(chain, tmp_path / name, sqlx_style)
        with sqlite3.connect(db) as c:
            c.execute("INSERT INTO notes (id, child_id, body) VALUES ('orphan', 999, 'dirty')")
        dbs.append(db)
    runner_db, runtime_db = dbs
    before = fingerprint(sqlite_rows(runner_db))
    sqlx_style(runner_db, files(chain, "sqlite")[1])
    assert fingerprint(sqlite_rows(runner_db)) == before
    from schemactl.runtime import MigrationError
    conn = sqlite3.connect(runtime_db)
    with pytest.raises(MigrationError, match="violating foreign keys.*table notes"):
        migrate(conn, bundle)
    conn.close()
    assert fingerprint(sqlite_rows(runtime_db)) == before
    assert history(sqlite_rows(runtime_db)) == expected_history(bundle, "sqlite", 1)


# ---------------------------------------------------------------- PostgreSQL: psql -1 -f

def test_psql_applies_the_chain_and_the_runtime_accepts_it(family, pg, pg_test_db):
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    chain, bundle = family
    pg_files = files(chain, "postgres")

    def run(path):
        subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(path), pg_test_db],
                       check=True, capture_output=True, text=True)

    run(pg_files[0])
    for stmt in ROWS:
        pg.execute(stmt)
    before = fingerprint(lambda sql: pg.execute(sql).fetchall())
    run(pg_files[1])
    assert fingerprint(lambda sql: pg.execute(sql).fetchall()) == before
    assert history(lambda sql: pg.execute(sql).fetchall()) == expected_history(bundle, "postgres", 2)
    assert migrate(pg, bundle) == [3]
    verify(pg, bundle, deep=True)
    assert fingerprint(lambda sql: pg.execute(sql).fetchall()) == before


# ---------------------------------------------------------------- drizzle-orm's migrator

DRIZZLE = Path(__file__).with_name("drizzle_migrate.mjs")


def drizzle_folder(chain, engine: str, upto: int, dest: Path) -> Path:
    """A copy of generated/<schema>/drizzle/<engine> whose journal lists the first ``upto`` migrations."""
    import json
    src = chain.out / "drizzle" / engine
    shutil.copytree(src, dest)
    journal = json.loads((src / "meta" / "_journal.json").read_text())
    journal["entries"] = journal["entries"][:upto]
    (dest / "meta" / "_journal.json").write_text(json.dumps(journal))
    return dest


def drizzle_migrate(engine: str, target: str, folder: Path) -> None:
    from tests.conftest import ROOT
    if shutil.which("node") is None or not (ROOT / "node_modules" / "drizzle-orm").is_dir():
        pytest.skip("the Node tool chain is not installed (npm ci)")
    subprocess.run(["node", str(DRIZZLE), engine, target, str(folder)], check=True, capture_output=True, text=True,
                   cwd=ROOT)


def test_drizzle_migrator_on_better_sqlite3_keeps_every_row(family, tmp_path):
    chain, bundle = family
    db = str(tmp_path / "app.db")
    drizzle_migrate("sqlite", db, drizzle_folder(chain, "sqlite", 1, tmp_path / "first"))
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA foreign_keys = ON")
        for stmt in ROWS:
            c.execute(stmt)
    before = fingerprint(sqlite_rows(db))
    drizzle_migrate("sqlite", db, drizzle_folder(chain, "sqlite", 3, tmp_path / "all"))
    assert fingerprint(sqlite_rows(db)) == before
    assert history(sqlite_rows(db)) == expected_history(bundle, "sqlite")
    assert len(sqlite_rows(db)("SELECT * FROM __drizzle_migrations")) == 3
    conn = sqlite3.connect(db)
    verify(conn, bundle, deep=True)
    assert migrate(conn, bundle) == []
    conn.close()


def test_drizzle_migration_files_have_one_header_of_their_own(family):
    """The SQLite files repeated the chain file's header ("Applied by schemactl.runtime in one transaction"), which
    SQLite's first statement carries, under the folder's own: drizzle-orm's migrator applies them."""
    chain, _ = family
    for engine in ("postgres", "sqlite"):
        for path in sorted((chain.out / "drizzle" / engine).glob("*.sql")):
            text = path.read_text()
            assert text.count("-- schemactl migration ") == 1 and "schemactl.runtime" not in text, path
            assert text.startswith(f"-- schemactl migration {path.stem} ") and "drizzle-orm's migrator" in text


def test_drizzle_migrator_on_postgres_then_the_runtime_continues(family, pg, pg_test_db, tmp_path):
    chain, bundle = family
    drizzle_migrate("postgres", pg_test_db, drizzle_folder(chain, "postgres", 1, tmp_path / "first"))
    for stmt in ROWS:
        pg.execute(stmt)
    before = fingerprint(lambda sql: pg.execute(sql).fetchall())
    drizzle_migrate("postgres", pg_test_db, drizzle_folder(chain, "postgres", 2, tmp_path / "two"))
    assert history(lambda sql: pg.execute(sql).fetchall()) == expected_history(bundle, "postgres", 2)
    assert migrate(pg, bundle) == [3]
    verify(pg, bundle, deep=True)
    assert fingerprint(lambda sql: pg.execute(sql).fetchall()) == before
