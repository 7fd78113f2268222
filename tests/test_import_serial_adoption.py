"""Adopting a PostgreSQL schema whose keys are serial, bigserial or smallserial (import --db or --ddl): the
manifest holds what the database holds (the sequence, owned by the column, and the column's default nextval()
of it), so `diff` against the same database finds nothing and `migrate baseline` records version 1.  The key
was made an identity column, which the database's serial is not: diff found SC206 (identity differs) and
SC412 (sequence not in the manifest) on every serial key, and baseline refused the database.

SQLite has no sequences: the key is its table's INTEGER PRIMARY KEY there (sqlite_type: INTEGER for the
bigint and smallint ones), which SQLite fills from the row id, said by the import as a warning."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import yaml

from tests.conftest import cli

KINDS = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


def _project(tmp_path):
    (tmp_path / "manifests").mkdir(parents=True)
    return tmp_path


def _adopt(work, url, pg_server, *source):
    """import, generate, diff, migrate new, migrate baseline: each CLI result by its step."""
    out = {"import": cli("import", *source, "-o", "manifests/app.yaml", cwd=work)}
    out["generate"] = cli("generate", cwd=work)
    out["diff"] = cli("diff", "manifests/app.yaml", "--db", url, cwd=work)
    out["new"] = cli("migrate", "new", "--name", "init", cwd=work)
    out["baseline"] = cli("migrate", "baseline", "manifests/app.yaml", "--db", url, "--postgres", "url",
                          "--postgres-url", pg_server.url("postgres"), cwd=work)
    return out


@pytest.mark.parametrize("schema", [None, "app"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_serial_key_adopted_from_the_database_diffs_clean_and_baselines(kind, schema, pg, pg_server, tmp_path):
    if schema:
        pg.execute(f"CREATE SCHEMA {schema}")
    q = f"{schema}." if schema else ""
    pg.execute(f"CREATE TABLE {q}customers (id {kind} PRIMARY KEY, email text NOT NULL)")
    url = pg_server.url("schemactl_tests")
    work = _project(tmp_path)
    res = _adopt(work, url, pg_server, "--db", url, *(["--schema", schema] if schema else []))
    assert res["import"].exit_code == 0, res["import"].output
    # what the import did, honestly: the sequence is the manifest's own; SQLite numbers the key by its row id
    assert "0 approximately, 0 not mapped" in res["import"].output, res["import"].output
    assert (f'warning: table "customers", column "id": {kind} column: kept as sequence customers_id_seq, owned by '
            "the column, with its default nextval(), as PostgreSQL holds it") in res["import"].output, \
        res["import"].output
    doc = yaml.safe_load((work / "manifests/app.yaml").read_text())
    col = doc["tables"]["customers"]["columns"]["id"]
    assert col == {"type": KINDS[kind], "primary_key": True, "default": {"nextval": "customers_id_seq"},
                   **({"sqlite_type": "INTEGER"} if KINDS[kind] != "integer" else {})}, col
    assert doc["sequences"] == {"customers_id_seq": {**({"type": KINDS[kind]} if KINDS[kind] != "bigint" else {}),
                                                     "owned_by": "customers.id"}}
    assert res["generate"].exit_code == 0, res["generate"].output
    assert res["diff"].exit_code == 0, res["diff"].output
    assert res["new"].exit_code == 0, res["new"].output
    assert res["baseline"].exit_code == 0, res["baseline"].output
    assert "recorded the database as at version 1" in res["baseline"].output
    # SQLite's table from the generated DDL numbers the key itself (the row id)
    lite = sqlite3.connect(":memory:")
    lite.executescript((work / "generated/app/sqlite.sql").read_text())
    lite.execute("INSERT INTO customers (email) VALUES ('a@example.com')")
    assert lite.execute("SELECT id FROM customers").fetchall() == [(1,)]


def test_serials_beside_the_key_and_renamed_sequences_diff_clean_from_db_and_ddl(pg, pg_server, tmp_path):
    """A serial that is not the key (its sequence kept, listed: SQLite has none), a key whose sequence was
    renamed (also to a name that must be quoted), and a bigserial key beside them; from --db and from the same
    DDL through --ddl, with --schema app too."""
    ddl = """CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE app.orders (id bigserial PRIMARY KEY, number serial NOT NULL, note text);
CREATE TABLE app.renamed (id serial PRIMARY KEY);
ALTER SEQUENCE app.renamed_id_seq RENAME TO "Renamed Numbers";
CREATE TABLE app.other (id smallserial PRIMARY KEY);
ALTER SEQUENCE app.other_id_seq RENAME TO other_numbers;
"""
    pg.execute(ddl)
    url = pg_server.url("schemactl_tests")
    (tmp_path / "schema.sql").write_text(ddl)
    for source, sub in ((("--db", url, "--schema", "app"), "db"),
                        (("--ddl", tmp_path / "schema.sql", "--dialect", "postgres", "--postgres-url",
                          pg_server.url("postgres"), "--schema", "app"), "ddl")):
        work = _project(tmp_path / sub)
        res = _adopt(work, url, pg_server, *source)
        assert res["import"].exit_code == 0, res["import"].output
        doc = yaml.safe_load((work / "manifests/app.yaml").read_text())
        assert doc["sequences"] == {"orders_id_seq": {"owned_by": "orders.id"},
                                    "orders_number_seq": {"type": "integer", "owned_by": "orders.number"},
                                    "Renamed Numbers": {"type": "integer", "owned_by": "renamed.id"},
                                    "other_numbers": {"type": "smallint", "owned_by": "other.id"}}, doc["sequences"]
        assert doc["tables"]["renamed"]["columns"]["id"]["default"] == {"nextval": "Renamed Numbers"}
        assert doc["tables"]["other"]["columns"]["id"]["default"] == {"nextval": "other_numbers"}
        # the serial beside the key: SQLite has no sequence to number it (listed with its fix, as before)
        assert 'table "orders", column "number": serial column outside the primary key (id)' in \
            res["import"].output, res["import"].output
        assert "identity" not in (work / "manifests/app.yaml").read_text().split("format: 1", 1)[1]
        assert res["diff"].exit_code == 0, (sub, res["diff"].output)
        assert res["baseline"].exit_code == 0, (sub, res["baseline"].output)
        pg.execute("DROP TABLE IF EXISTS app.schema_version")   # baseline's own table: the next source's turn


def test_adopted_serial_keys_pass_parity_copy_to_sqlite_and_number_the_next_row(pg, pg_server, tmp_path):
    """The acceptance run: parity of the generated manifest, the runtime's deep verify of the adopted database,
    its rows copied into a SQLite file built by the generated DDL, and the next INSERT on each engine gets a key
    of its own."""
    pg.execute("""CREATE TABLE a (id serial PRIMARY KEY, name text NOT NULL);
                  CREATE TABLE b (id bigserial PRIMARY KEY, a_id integer NOT NULL REFERENCES a (id));
                  CREATE TABLE c (id smallserial PRIMARY KEY, note text);
                  INSERT INTO a (name) VALUES ('x'), ('y'), ('z');
                  INSERT INTO b (a_id) VALUES (1), (3);
                  INSERT INTO c (note) VALUES ('n');""")
    url = pg_server.url("schemactl_tests")
    work = _project(tmp_path)
    res = _adopt(work, url, pg_server, "--db", url)
    assert [res[k].exit_code for k in res] == [0, 0, 0, 0, 0], {k: r.output for k, r in res.items()}
    # the application's start-up check agrees: the runtime's deep verify of the adopted database
    import json
    from schemactl import runtime
    runtime.verify(pg, json.loads((work / "generated/app/bundle.json").read_text()), deep=True)
    parity = cli("parity", "manifests/app.yaml", "--postgres", "url", "--postgres-url", pg_server.url("postgres"),
                 cwd=work)
    assert parity.exit_code == 0, parity.output
    lite_path = tmp_path / "copy.db"
    lite = sqlite3.connect(lite_path)
    lite.executescript((work / "generated/app/sqlite.sql").read_text())
    lite.close()
    copied = cli("copy", "--manifest", "manifests/app.yaml", "--from", url, "--to", f"sqlite:///{lite_path}",
                 cwd=work)
    assert copied.exit_code == 0, copied.output
    lite = sqlite3.connect(lite_path)
    for table, values, want in (("a", "(name) VALUES ('w')", 4), ("b", "(a_id) VALUES (2)", 3),
                                ("c", "(note) VALUES ('m')", 2)):
        assert lite.execute(f"INSERT INTO {table} {values} RETURNING id").fetchone() == (want,), table
        assert pg.execute(f"INSERT INTO {table} {values} RETURNING id").fetchone() == (want,), table
    lite.commit()
    assert lite.execute("SELECT count(*) FROM b").fetchone() == (3,)
