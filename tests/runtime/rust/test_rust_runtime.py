"""The generated Rust crate (generated/<schema>/rust/) against real engines: it builds with each feature
alone and both, migrates populated databases through a chain that rebuilds parent tables on SQLite,
refuses tampered histories with the Python runtime's messages, reports the same deep-verify lines as
schemactl.runtime on the same database, takes the migration lock, rolls back a failing migration, and its
own `cargo test` passes against a SQLite file and the throwaway PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from schemactl import runtime as py
from schemactl.migrations.files import chain_dir
from tests.migrations.chain_support import BASE, SEED_ROWS, Chain
from tests.migrations.family import RELEASES, ROWS, fingerprint
from schemactl.render.rust import crate_name
from tests.runtime.rust.support import build_driver, build_probe, run_cargo

ROOT = Path(__file__).resolve().parents[3]


def _chain(tmp_path_factory, name: str, releases) -> tuple[Chain, dict]:
    chain = Chain(tmp_path_factory.mktemp(name))
    m = None
    for slug, text in releases:
        m, _ = chain.release(text, slug)
    return chain, chain.bundle(m)


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    """The three-release family chain (rebuilds, FK cycle, FTS5, trigger, view) and its driver."""
    chain, bundle = _chain(tmp_path_factory, "family", RELEASES)
    started = time.perf_counter()
    driver = build_driver(chain.out, chain.root / "driver")
    print(f"driver build (dependencies included when cold): {time.perf_counter() - started:.1f} s")
    return chain, bundle, driver


# A second release that fails on data the first one accepts: duplicate titles, orphaned owners.
UNIQUE_TITLE = BASE.replace("title: {type: varchar(50), nullable: false}",
                            "title: {type: varchar(50), nullable: false, unique: true}")


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    chain, bundle = _chain(tmp_path_factory, "failing", [("init", BASE), ("unique_title", UNIQUE_TITLE)])
    return chain, bundle, build_driver(chain.out, chain.root / "driver")


def first_file(chain: Chain, engine: str) -> str:
    return sorted((chain_dir(chain.out) / engine).glob("*.sql"))[0].read_text("utf-8")


def sqlite_at_v1(chain: Chain, path: Path, rows: list[str]) -> None:
    """A database at version 1 (the first file, which records itself) holding ``rows``."""
    with sqlite3.connect(path) as c:
        c.executescript(first_file(chain, "sqlite"))
        for sql in rows:
            c.execute(sql)


def pg_at_v1(chain: Chain, pg, rows: list[str]) -> None:
    pg.execute(first_file(chain, "postgres"))
    for sql in rows:
        pg.execute(sql)


def sqlite_rows_of(path: Path):
    def rows(sql):
        with sqlite3.connect(path) as c:
            return c.execute(sql).fetchall()
    return rows


def pg_rows_of(pg):
    return lambda sql: pg.execute(sql).fetchall()


def history(rows_of) -> list[tuple]:
    return [tuple(r) for r in rows_of("SELECT version, hash, checksum FROM schema_version ORDER BY version")]


# ---------------------------------------------------------------- builds

@pytest.mark.parametrize("features", [["sqlite"], ["postgres"], ["sqlite", "postgres"]])
def test_crate_builds_with_each_feature_alone_and_both(family, features):
    chain, bundle, _ = family
    crate = crate_name(bundle["schema"])
    proc = build_probe(chain.out, chain.root / "probe", features)
    assert f"`{crate}` (lib) generated" not in proc.stderr, proc.stderr   # no warnings
    tree = run_cargo(chain.root / "probe", "tree", "--edges", "normal", "--prefix", "none",
                     "--no-default-features", "--features", ",".join(features)).stdout
    crates = {line.split()[0] for line in tree.splitlines() if line.strip()}
    assert ("rusqlite" in crates) == ("sqlite" in features)
    assert ("tokio-postgres" in crates) == ("postgres" in features)


def test_crate_of_the_repo_builds(tmp_path):
    """generated/memories/rust, as committed, builds with both features (and leaves nothing beside it)."""
    out = ROOT / "generated" / "memories"
    before = sorted(p.name for p in (out / "rust").iterdir())
    build_probe(out, tmp_path / "probe", ["sqlite", "postgres"])
    assert sorted(p.name for p in (out / "rust").iterdir()) == before == ["Cargo.toml", "src"]


# ---------------------------------------------------------------- migrate and verify

def test_sqlite_migrates_populated_database_and_verifies(family, tmp_path):
    chain, bundle, driver = family
    db = tmp_path / "app.db"
    sqlite_at_v1(chain, db, ROWS)
    rows_of = sqlite_rows_of(db)
    before = fingerprint(rows_of)
    assert driver.run("verify", "sqlite", db)["differences"] == ["database is at version 1, the bundle expects 3"]
    assert driver.run("migrate", "sqlite", db) == {"ok": True, "applied": [2, 3]}
    assert fingerprint(rows_of) == before
    assert history(rows_of) == [(m["version"], m["hash"], m["checksum"])
                                for m in bundle["engines"]["sqlite"]["migrations"]]
    assert driver.run("verify", "sqlite", db) == {"ok": True}
    assert driver.run("verify-deep", "sqlite", db) == {"ok": True}
    assert driver.run("migrate", "sqlite", db) == {"ok": True, "applied": []}
    with sqlite3.connect(db) as conn:   # the Python runtime accepts it too
        py.verify(conn, bundle, deep=True)
        assert py.migrate(conn, bundle) == []


def test_postgres_migrates_populated_database_and_verifies(family, pg, pg_test_db):
    chain, bundle, driver = family
    pg_at_v1(chain, pg, ROWS)
    before = fingerprint(pg_rows_of(pg))
    assert driver.run("migrate", "postgres", pg_test_db) == {"ok": True, "applied": [2, 3]}
    assert fingerprint(pg_rows_of(pg)) == before
    assert history(pg_rows_of(pg)) == [(m["version"], m["hash"], m["checksum"])
                                       for m in bundle["engines"]["postgres"]["migrations"]]
    assert driver.run("verify-deep", "postgres", pg_test_db) == {"ok": True}
    assert driver.run("migrate", "postgres", pg_test_db) == {"ok": True, "applied": []}
    py.verify(pg, bundle, deep=True)


def test_fresh_databases(family, tmp_path, pg, pg_test_db):
    _, _, driver = family
    for engine, target in (("sqlite", str(tmp_path / "new.db")), ("postgres", pg_test_db)):
        out = driver.run("verify-deep", engine, target)
        assert out["error"] == "SchemaMismatch"
        assert out["differences"] == ["no schema_version table; run migrate() first"]
        assert driver.run("migrate", engine, target) == {"ok": True, "applied": [1, 2, 3]}
        assert driver.run("verify-deep", engine, target) == {"ok": True}


# ---------------------------------------------------------------- tampering

def _sqlite_retype(conn: sqlite3.Connection) -> None:
    """notes.body TEXT -> BLOB by a table rebuild (nothing references notes)."""
    (sql,) = conn.execute("SELECT sql FROM sqlite_schema WHERE name = 'notes'").fetchone()
    assert "body TEXT NOT NULL" in sql
    conn.executescript("PRAGMA foreign_keys = OFF; BEGIN;"
                       + "CREATE TABLE notes_new " + sql[sql.index("("):].replace("body TEXT NOT NULL", "body BLOB NOT NULL")
                       + ";"
                       "INSERT INTO notes_new SELECT * FROM notes; DROP TABLE notes;"
                       "ALTER TABLE notes_new RENAME TO notes; COMMIT;")


CATALOG_TAMPERS = {
    "column_dropped": ({"sqlite": "ALTER TABLE notes DROP COLUMN body", "postgres": "ALTER TABLE notes DROP COLUMN body"},
                       ['column "notes.body" is missing']),
    "column_added": ({"sqlite": "ALTER TABLE notes ADD COLUMN extra TEXT",
                      "postgres": "ALTER TABLE notes ADD COLUMN extra text"},
                     ['column "notes.extra" is not expected']),
    "column_retyped": ({"sqlite": _sqlite_retype, "postgres": "ALTER TABLE notes ALTER COLUMN body TYPE bytea "
                                                              "USING convert_to(body, 'UTF8')"},
                       {"sqlite": 'column "notes.body": expected type TEXT, found BLOB',
                        "postgres": 'column "notes.body": expected type text, found bytea'}),
    "index_dropped": ({"sqlite": "DROP INDEX children_label_idx", "postgres": "DROP INDEX children_label_idx"},
                      ['index "children_label_idx" on "children" is missing']),
    "index_changed_and_tables_added": (
        {"sqlite": "DROP INDEX children_label_idx; CREATE UNIQUE INDEX children_label_idx ON children (label DESC);"
                   "CREATE TABLE zz (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parents (id));"
                   "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY)",
         "postgres": "DROP INDEX children_label_idx; CREATE UNIQUE INDEX children_label_idx ON children (label DESC);"
                     "CREATE TABLE zz (id integer PRIMARY KEY, p integer REFERENCES parents (id));"
                     "CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY)"},
        ['index "children_label_idx" on "children": expected (label), found (label DESC) unique',
         'table "zz" is not expected']),
}


def _tamper(engine: str, conn, change) -> None:
    if callable(change):
        change(conn)
    elif engine == "sqlite":
        conn.executescript(change)
    else:
        conn.execute(change)


def _python_differences(conn, bundle, deep: bool) -> list[str]:
    with pytest.raises(py.SchemaMismatch) as info:
        py.verify(conn, bundle, deep=deep)
    return info.value.differences


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("tamper", sorted(CATALOG_TAMPERS))
def test_deep_verify_reports_python_lines(family, tmp_path, pg_test_db, request, engine, tamper):
    chain, bundle, driver = family
    changes, expected = CATALOG_TAMPERS[tamper]
    if isinstance(expected, dict):
        expected = [expected[engine]]
    if engine == "sqlite":
        target = str(tmp_path / "app.db")
        sqlite_at_v1(chain, Path(target), ROWS)
        conn = sqlite3.connect(target, isolation_level=None)
    else:
        target, conn = pg_test_db, request.getfixturevalue("pg")
        pg_at_v1(chain, conn, ROWS)
    try:
        assert driver.run("migrate", engine, target)["applied"] == [2, 3]
        _tamper(engine, conn, changes[engine])
        assert driver.run("verify", engine, target) == {"ok": True}
        out = driver.run("verify-deep", engine, target)
        assert out["ok"] is False and out["error"] == "SchemaMismatch"
        assert out["differences"] == _python_differences(conn, bundle, deep=True)
        for line in expected:
            assert line in out["differences"]
        assert out["message"] == str(py.SchemaMismatch(out["differences"]))
    finally:
        if engine == "sqlite":
            conn.close()


HISTORY_TAMPERS = {
    "edited": "UPDATE schema_version SET checksum = '0123456789abcdef0123' WHERE version = 2",
    "forged_hash": "UPDATE schema_version SET hash = 'sha256:forged' WHERE version = 3",
    "ahead": "INSERT INTO schema_version (version, hash, checksum, applied_at) VALUES "
             "(4, 'sha256:next', 'abc', '2030-01-01T00:00:00.000Z')",
    "gap": "DELETE FROM schema_version WHERE version = 2",
}
HISTORY_STARTS = {
    "edited": "migration 0002_nullable_parent_name was applied from a different file (checksum 0123456789ab\u2026",
    "forged_hash": "schema_version row 3 carries hash sha256:forged, which this bundle does not know",
    "ahead": "database is at schema version 4, ahead of this build (latest embedded migration: 3)",
    "gap": "schema_version is not a gapless history (found version 3 at position 2)",
}


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("tamper", sorted(HISTORY_TAMPERS))
def test_tampered_history_is_refused_with_python_messages(family, tmp_path, pg_test_db, request, engine, tamper):
    chain, bundle, driver = family
    if engine == "sqlite":
        target = str(tmp_path / "app.db")
        conn = sqlite3.connect(target, isolation_level=None)
    else:
        target, conn = pg_test_db, request.getfixturevalue("pg")
    try:
        assert driver.run("migrate", engine, target)["applied"] == [1, 2, 3]
        sql = HISTORY_TAMPERS[tamper]
        conn.execute(sql if engine == "sqlite" else sql.replace("'2030-01-01T00:00:00.000Z'", "now()"))
        out = driver.run("migrate", engine, target)
        assert out["ok"] is False and out["error"] == "MigrationError" and out["differences"] == []
        assert out["message"].startswith(HISTORY_STARTS[tamper])
        with pytest.raises(py.MigrationError) as info:
            py.migrate(conn, bundle)
        assert out["message"] == str(info.value)
        verify = driver.run("verify", engine, target)
        if tamper in ("edited", "gap"):
            assert verify == {"ok": True}   # the newest row is intact
        else:
            assert verify["differences"] == _python_differences(conn, bundle, deep=False)
    finally:
        if engine == "sqlite":
            conn.close()


# ---------------------------------------------------------------- the lock

def _race(driver, engine: str, target: str) -> list[list[int]]:
    procs = [driver.start("migrate", engine, target) for _ in range(2)]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        outs.append(json.loads(stdout))
    assert all(o["ok"] for o in outs), outs
    return sorted((o["applied"] for o in outs), key=len)


def test_two_processes_migrating_postgres(family, pg, pg_test_db):
    """The advisory lock is held for the whole call: one process applies everything, the other nothing."""
    _, _, driver = family
    for _ in range(3):
        pg.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        assert _race(driver, "postgres", pg_test_db) == [[], [1, 2, 3]]
        assert driver.run("verify-deep", "postgres", pg_test_db) == {"ok": True}


def test_a_migration_lock_held_past_30_s_is_a_migration_error(family, pg, pg_test_db):
    """migrate_postgres waited for the advisory lock without end; 30 s as on SQLite, then a Migration error."""
    _, bundle, driver = family
    key = int(bundle["engines"]["postgres"]["lock_key"])
    pg.execute("SELECT pg_advisory_lock(%s::bigint)", (key,))
    started = time.time()
    try:
        proc = driver.start("migrate", "postgres", pg_test_db)
        stdout, stderr = proc.communicate(timeout=90)
    finally:
        pg.execute("SELECT pg_advisory_unlock(%s::bigint)", (key,))
    answer = json.loads(stdout.strip().splitlines()[-1])
    assert "cannot take the database's write lock: another process has held schemactl's migration lock " \
           f"(pg_advisory_lock({key})) for 30 s" in answer["message"], (stdout, stderr)
    assert 29 < time.time() - started < 60
    assert driver.run("migrate", "postgres", pg_test_db)["applied"] == [1, 2, 3]


def test_another_tools_schema_version_table_is_named_so(family, tmp_path, pg, pg_test_db):
    """Flyway's schema_version: a driver error ("no such column: hash"); the same line as Python's and TypeScript's."""
    from tests.test_runtime import FLYWAY, FOREIGN
    _, _, driver = family
    db = tmp_path / "flyway.db"
    with sqlite3.connect(db) as c:
        c.execute(FLYWAY)
    pg.execute(FLYWAY)
    for engine, target in (("sqlite", str(db)), ("postgres", pg_test_db)):
        answer = driver.run("migrate", engine, target)
        assert answer["ok"] is False and answer["message"] == FOREIGN, answer
        assert driver.run("verify", engine, target)["differences"] == [FOREIGN]


def test_two_processes_migrating_sqlite(family, tmp_path):
    """BEGIN IMMEDIATE per migration: every migration is applied exactly once, by one of the two."""
    _, _, driver = family
    for i in range(3):
        db = str(tmp_path / f"race{i}.db")
        first, second = _race(driver, "sqlite", db)
        assert sorted(first + second) == [1, 2, 3]
        assert driver.run("verify-deep", "sqlite", db) == {"ok": True}


# ---------------------------------------------------------------- failing migrations

def test_failing_migration_is_rolled_back_sqlite(failing, tmp_path):
    chain, bundle, driver = failing
    dup = SEED_ROWS + ["INSERT INTO items (id, owner_id, title) VALUES (4, 2, 'one')"]
    orphan = SEED_ROWS + ["INSERT INTO items (id, owner_id, title) VALUES (4, 99, 'four')"]
    for rows, start in ((dup, "migration 0002_unique_title failed and was rolled back: UNIQUE constraint failed: "
                              "items."),
                        (orphan, "the database already holds 1 row(s) violating foreign keys (first: table items, "
                                 "rowid 4), written while foreign keys were off; migration 0002_unique_title was not "
                                 "applied")):
        db = tmp_path / f"db{len(list(tmp_path.iterdir()))}.db"
        sqlite_at_v1(chain, db, rows)
        rows_of = sqlite_rows_of(db)
        before = (rows_of("SELECT * FROM items ORDER BY id"), rows_of("SELECT sql FROM sqlite_schema ORDER BY name"))
        out = driver.run("migrate", "sqlite", db)
        assert out["error"] == "MigrationError" and out["message"].startswith(start), out
        assert [r[0] for r in history(rows_of)] == [1]
        assert (rows_of("SELECT * FROM items ORDER BY id"),
                rows_of("SELECT sql FROM sqlite_schema ORDER BY name")) == before
        with sqlite3.connect(db) as conn:
            with pytest.raises(py.MigrationError) as info:
                py.migrate(conn, bundle)
            assert str(info.value) == out["message"]


def test_failing_migration_is_rolled_back_postgres(failing, pg, pg_test_db):
    chain, bundle, driver = failing
    pg_at_v1(chain, pg, SEED_ROWS + ["INSERT INTO items (id, owner_id, title) VALUES (4, 2, 'one')"])
    before = pg.execute("SELECT * FROM items ORDER BY id").fetchall()
    out = driver.run("migrate", "postgres", pg_test_db)
    assert out["error"] == "MigrationError"
    assert out["message"].startswith("migration 0002_unique_title failed and was rolled back: ")
    assert "is duplicated" in out["message"]
    with pytest.raises(py.MigrationError) as info:
        py.migrate(pg, bundle)
    assert str(info.value) == out["message"]
    assert [r[0] for r in history(pg_rows_of(pg))] == [1]
    assert pg.execute("SELECT * FROM items ORDER BY id").fetchall() == before
    pg.execute("DELETE FROM items WHERE id = 4")
    assert driver.run("migrate", "postgres", pg_test_db) == {"ok": True, "applied": [2]}


# ---------------------------------------------------------------- cargo test

def test_cargo_test_against_real_engines(family, pg, pg_test_db):
    _, bundle, driver = family
    proc = driver.cargo_test({"SCHEMACTL_TEST_PG": pg_test_db,
                              "SCHEMACTL_TEST_LOCK_KEY": bundle["engines"]["postgres"]["lock_key"]})
    assert "test result: ok. 2 passed" in proc.stdout, proc.stdout + proc.stderr


# ---------------------------------------------------------------- hostile input

STRINGS = ["", "plain", 'quote " and \\ backslash', '"#', 'a"##b', "tab\tcr\rnul\x00del\x7f", "caf\u00e9",
           "bidi \u202e override \u2066", "astral \U0001F600", "{braces} {{", "multi\nline \"# raw\n",
           'multi\nline "## raw', "multi\nline with cr\r\n", "r#\"not raw\"#", "\\u{41}"]


def test_rust_string_literals_hold_any_text(tmp_path):
    """Every literal rust_str writes compiles to exactly its text (compared byte for byte)."""
    from schemactl.render.rust import rust_str
    from tests.runtime.rust.support import CARGO_CONFIG
    (tmp_path / ".cargo").mkdir()
    (tmp_path / ".cargo" / "config.toml").write_text(CARGO_CONFIG)
    (tmp_path / "src").mkdir()
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "literals"\nversion = "0.0.0"\nedition = "2021"\n\n'
                                         '[workspace]\n')
    items = ",\n".join(f"    {rust_str(s)}" for s in STRINGS)
    (tmp_path / "src" / "main.rs").write_text(
        f"const ITEMS: &[&str] = &[\n{items}\n];\n\nfn main() {{\n    for s in ITEMS {{\n"
        '        let hex: Vec<String> = s.bytes().map(|b| format!("{:02x}", b)).collect();\n'
        '        println!("{}", hex.join(""));\n    }\n}\n')
    out = run_cargo(tmp_path, "run", "--quiet").stdout.splitlines()
    assert out == [s.encode("utf-8").hex() for s in STRINGS]


HOSTILE = """\
format: 1
name: hostile
version: 1
postgres: {schema: "ap\\"p #x"}
tables:
  "we\\"ird\\\\t":
    columns:
      id: {type: integer, primary_key: true}
      "na\\u00efve \\"#col": {type: text, nullable: false}
      "r\\u202etl": {type: varchar(20)}
    indexes:
      - {name: "idx \\"#q", columns: ["na\\u00efve \\"#col"]}
  plain:
    columns:
      id: {type: integer, primary_key: true}
      w_id: {type: integer, references: {table: "we\\"ird\\\\t", column: id, on_delete: cascade}}
"""


def test_hostile_identifiers(tmp_path_factory, tmp_path, pg, pg_test_db):
    """Quotes, backslashes, `"#`, non-ASCII and bidirectional characters in table, column, index and
    PostgreSQL schema names: the crate compiles, migrates, verifies, and reports Python's lines."""
    chain, bundle = _chain(tmp_path_factory, "hostile", [("init", HOSTILE)])
    driver = build_driver(chain.out, chain.root / "driver")
    db = str(tmp_path / "h.db")
    for engine, target in (("sqlite", db), ("postgres", pg_test_db)):
        assert driver.run("migrate", engine, target) == {"ok": True, "applied": [1]}
        assert driver.run("verify", engine, target) == {"ok": True}
    assert driver.run("verify-deep", "sqlite", db) == {"ok": True}
    # PostgreSQL: pg_get_indexdef quotes the column ("naïve ""#col"); every runtime reads it back unquoted.
    assert driver.run("verify-deep", "postgres", pg_test_db) == {"ok": True}
    py.verify(pg, bundle, deep=True)
    with sqlite3.connect(db, isolation_level=None) as conn:
        conn.execute('DROP INDEX "idx ""#q"')
        out = driver.run("verify-deep", "sqlite", db)
        assert out["differences"] == _python_differences(conn, bundle, deep=True) == \
            ['index "idx "#q" on "we"ird\\t" is missing']
    pg.execute('DROP INDEX "ap""p #x"."idx ""#q"')
    out = driver.run("verify-deep", "postgres", pg_test_db)
    assert out["differences"] == _python_differences(pg, bundle, deep=True) == \
        ['index "idx "#q" on "we"ird\\t" is missing']
