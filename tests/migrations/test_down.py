"""Down migrations: for every reversible kind of change, up -> down -> up on a populated database keeps
every row and ends diff-clean, on real SQLite and PostgreSQL; destructive migrations have no way back."""

from __future__ import annotations

import copy
import json
import sqlite3

import psycopg
import pytest
import yaml

from tests.conftest import cli

BASE = {
    "format": 1, "name": "shop", "version": 1,
    "enums": {"status": ["new", "paid"]},
    "tables": {
        "customers": {"columns": {
            "id": {"type": "integer", "primary_key": True},
            "name": {"type": "varchar(20)", "nullable": False},
            "note": {"type": "text", "nullable": False, "default": ""}}},
        "orders": {"columns": {
            "id": {"type": "integer", "primary_key": True},
            "customer_id": {"type": "integer"},
            "status": {"type": "status", "nullable": False, "default": "new"},
            "total": {"type": "integer", "nullable": False, "default": 0}},
            "indexes": [{"columns": ["status"]}]},
    },
}
ROWS = {"customers": [(1, "ann", "x"), (2, "bob", "y")], "orders": [(1, 1, "new", 10), (2, 2, "paid", 20)]}
COLUMNS = {"customers": ("id", "name", "note"), "orders": ("id", "customer_id", "status", "total")}


def _cols(m, table):
    return m["tables"][table]["columns"]


def create_table(m):
    m["tables"]["tags"] = {"columns": {"tag": {"type": "text", "primary_key": True}}}


def add_column(m):
    _cols(m, "customers")["email"] = {"type": "text"}


def add_column_with_default(m):
    _cols(m, "orders")["rush"] = {"type": "boolean", "nullable": False, "default": False}


def add_index(m):
    m["tables"]["orders"]["indexes"].append({"columns": ["total"]})


def drop_index(m):
    del m["tables"]["orders"]["indexes"]


def add_unique(m):
    m["tables"]["customers"]["unique"] = [["name"]]


def add_check(m):
    _cols(m, "orders")["total"]["check"] = "total >= 0"


def add_foreign_key(m):
    _cols(m, "orders")["customer_id"]["references"] = "customers.id"


def rename_column(m):
    cols = _cols(m, "customers")
    m["tables"]["customers"]["columns"] = {("full_name" if k == "name" else k): v for k, v in cols.items()}
    _cols(m, "customers")["full_name"]["renamed_from"] = "name"


def set_default(m):
    _cols(m, "orders")["total"]["default"] = 5


def drop_not_null(m):
    _cols(m, "customers")["note"]["nullable"] = True


def widen_types(m):
    _cols(m, "customers")["name"]["type"] = "varchar(40)"
    _cols(m, "orders")["total"]["type"] = "bigint"


def integer_to_text(m):
    # keeps every value (each integer's text); its way back reads the integers from the text again
    _cols(m, "orders")["customer_id"]["type"] = "text"


def integer_to_numeric(m):
    # keeps every value (numeric(10,0) holds each integer); its way back reads the integers from it again
    _cols(m, "orders")["total"]["type"] = "numeric(10,0)"


def add_enum_value(m):
    m["enums"]["status"].append("refunded")


def create_view(m):
    m["views"] = {"big_orders": {"sql": "SELECT id, total FROM orders WHERE total > 10"}}


def set_comment(m):
    m["tables"]["customers"]["comment"] = "People who order."


KINDS = [create_table, add_column, add_column_with_default, add_index, drop_index, add_unique, add_check,
         add_foreign_key, rename_column, set_default, drop_not_null, widen_types, integer_to_text, integer_to_numeric,
         create_view,
         set_comment]


def _write(path, doc):
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


class Db:
    def __init__(self, engine, tmp_path, pg, pg_server):
        self.engine = engine
        if engine == "sqlite":
            self.url = f"sqlite:///{tmp_path / 'shop.db'}"
            self.path = tmp_path / "shop.db"
        else:
            self.url = pg_server.url("schemactl_tests")
            self.pg = pg

    def query(self, sql):
        if self.engine == "sqlite":
            conn = sqlite3.connect(self.path)
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        return self.pg.execute(sql).fetchall()

    def execute(self, sql):
        if self.engine == "sqlite":
            conn = sqlite3.connect(self.path)
            conn.execute(sql)
            conn.commit()
            conn.close()
        else:
            self.pg.execute(sql)


def _rows(db, names):
    out = {}
    for table, cols in COLUMNS.items():
        t = names.get(table, table)
        picked = ", ".join(names.get(f"{table}.{c}", c) for c in cols)
        out[table] = [tuple(str(v) for v in r) for r in db.query(f"SELECT {picked} FROM {t} ORDER BY 1")]
    return out


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("kind", KINDS, ids=lambda f: f.__name__)
def test_up_down_up_keeps_rows_and_ends_clean(tmp_path, engine, kind, request):
    pg = request.getfixturevalue("pg") if engine == "postgres" else None
    pg_server = request.getfixturevalue("pg_server") if engine == "postgres" else None
    db = Db(engine, tmp_path, pg, pg_server)
    (tmp_path / "manifests").mkdir()
    (tmp_path / "base").mkdir()
    manifest = tmp_path / "manifests" / "shop.yaml"
    _write(manifest, BASE)
    _ok(cli("migrate", "new", "manifests/shop.yaml", "--name", "init", cwd=tmp_path))
    _ok(cli("migrate", "apply", "manifests/shop.yaml", "--db", db.url, cwd=tmp_path))
    for table, rows in ROWS.items():
        for row in rows:
            db.execute(f"INSERT INTO {table} ({', '.join(COLUMNS[table])}) VALUES "
                       f"({', '.join(repr(v) for v in row)})")
    before = _rows(db, {})
    _write(tmp_path / "base" / "shop.yaml", BASE)

    changed = copy.deepcopy(BASE)
    kind(changed)
    _write(manifest, changed)
    _ok(cli("generate", "--migration", kind.__name__, cwd=tmp_path))
    lock = json.loads((tmp_path / "generated" / "shop" / "migrations" / "lock.json").read_text())
    last = lock["migrations"][-1]
    assert "down" in last, last.get("down_reason")
    names = {"customers.name": "full_name"} if kind is rename_column else {}

    _ok(cli("migrate", "apply", "manifests/shop.yaml", "--db", db.url, cwd=tmp_path))
    _ok(cli("diff", "manifests/shop.yaml", "--db", db.url, cwd=tmp_path))
    assert _rows(db, names) == before
    down = _ok(cli("migrate", "down", "manifests/shop.yaml", "--db", db.url, "--to", str(last["version"] - 1),
                   cwd=tmp_path))
    assert f"at version {last['version'] - 1}" in down.stdout
    _ok(cli("diff", "base/shop.yaml", "--db", db.url, cwd=tmp_path))
    assert _rows(db, {}) == before
    again = _ok(cli("migrate", "apply", "manifests/shop.yaml", "--db", db.url, cwd=tmp_path))
    assert "applied" in again.stdout
    _ok(cli("diff", "manifests/shop.yaml", "--db", db.url, cwd=tmp_path))
    assert _rows(db, names) == before


def test_destructive_and_first_migrations_have_no_way_back(tmp_path):
    (tmp_path / "manifests").mkdir()
    manifest = tmp_path / "manifests" / "shop.yaml"
    _write(manifest, BASE)
    _ok(cli("migrate", "new", "manifests/shop.yaml", "--name", "init", cwd=tmp_path))
    changed = copy.deepcopy(BASE)
    del _cols(changed, "customers")["note"]
    _write(manifest, changed)
    _ok(cli("generate", "--migration", "drop_note", "--allow-destructive", cwd=tmp_path))
    lock = json.loads((tmp_path / "generated" / "shop" / "migrations" / "lock.json").read_text())
    assert [("down" in e, e.get("down_reason", "")[:15]) for e in lock["migrations"]] == [
        (False, "the first migra"), (False, "not reversible:")]
    db = f"sqlite:///{tmp_path / 'x.db'}"
    _ok(cli("migrate", "apply", "manifests/shop.yaml", "--db", db, cwd=tmp_path))
    refused = cli("migrate", "down", "manifests/shop.yaml", "--db", db, "--to", "1", cwd=tmp_path)
    assert refused.exit_code == 2 and "0002_drop_note has no down migration (not reversible: drop column" \
        in refused.stderr
    assert sqlite3.connect(tmp_path / "x.db").execute("SELECT max(version) FROM schema_version").fetchone() == (2,)


def test_an_edited_down_migration_is_stale_and_refused(tmp_path):
    (tmp_path / "manifests").mkdir()
    manifest = tmp_path / "manifests" / "shop.yaml"
    _write(manifest, BASE)
    _ok(cli("migrate", "new", "manifests/shop.yaml", "--name", "init", cwd=tmp_path))
    changed = copy.deepcopy(BASE)
    create_table(changed)
    _write(manifest, changed)
    _ok(cli("generate", "--migration", "tags", cwd=tmp_path))
    db = f"sqlite:///{tmp_path / 'x.db'}"
    _ok(cli("migrate", "apply", "manifests/shop.yaml", "--db", db, cwd=tmp_path))
    down_file = tmp_path / "generated/shop/migrations/sqlite/down/0002_tags.sql"
    down_file.write_text(down_file.read_text() + "DROP TABLE customers;\n")
    stale = cli("check", cwd=tmp_path, env={"SCHEMACTL_NO_CACHE": "1"})
    assert stale.exit_code == 1 and "down migration was edited" in stale.stderr
    refused = cli("migrate", "down", "manifests/shop.yaml", "--db", db, "--to", "1", cwd=tmp_path)
    assert refused.exit_code == 2 and "was edited" in refused.stderr
    assert sqlite3.connect(tmp_path / "x.db").execute("SELECT count(*) FROM customers").fetchone() == (0,)


def test_an_added_enum_value_has_no_way_back(tmp_path):
    """Removing an enum value is not a migration the planner writes: no down, and the reason says why."""
    (tmp_path / "manifests").mkdir()
    manifest = tmp_path / "manifests" / "shop.yaml"
    _write(manifest, BASE)
    _ok(cli("migrate", "new", "manifests/shop.yaml", "--name", "init", cwd=tmp_path))
    changed = copy.deepcopy(BASE)
    add_enum_value(changed)
    _write(manifest, changed)
    _ok(cli("generate", "--migration", "refunds", cwd=tmp_path))
    last = json.loads((tmp_path / "generated/shop/migrations/lock.json").read_text())["migrations"][-1]
    assert "down" not in last and "removing or reordering values is not supported" in last["down_reason"]
