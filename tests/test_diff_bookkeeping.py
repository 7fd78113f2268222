"""`schemactl diff` leaves the migration runners' own tables alone (schema_version, and those of sqlx and
drizzle-orm's migrator, which the README lists as runners of the chain), as deep verify does: a database
migrated by one of them is not "different".  Any other table the manifest lacks still is (SC102)."""

from __future__ import annotations

import sqlite3

from tests.conftest import ROOT, cli

SOURCE = ROOT / "tests" / "fixtures" / "seeds" / "004_rag_studio.sql"


def test_runners_tables_are_no_difference_and_any_other_table_is(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(SOURCE.read_text())
    conn.close()
    manifest = tmp_path / "app.yaml"
    assert cli("import", "--db", f"sqlite:///{db}", "-o", manifest).exit_code == 0
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, hash TEXT, checksum TEXT, applied_at TEXT);"
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL);"
        "CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric);")
    conn.close()
    clean = cli("diff", manifest, "--db", f"sqlite:///{db}")
    assert clean.exit_code == 0, clean.output
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE __drizzle_migrations_copy (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    extra = cli("diff", manifest, "--db", f"sqlite:///{db}")
    assert extra.exit_code == 1 and 'table "__drizzle_migrations_copy" is not in the manifest' in extra.output
