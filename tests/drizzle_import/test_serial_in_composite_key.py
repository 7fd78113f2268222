"""bigserial/serial in a composite primary key (or beside the key): the import keeps its sequence (owned by
the column, default nextval), which numbers the column on PostgreSQL only: the SQLite side has no default
and an INSERT that leaves the column out fails there.  It was counted exact; now it is listed as approximate
at the column's line, with the fix that numbers it on both engines."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import cli
from tests.drizzle_import.test_team_patterns import _adopt

SOURCE = '''import { pgTable, bigserial, serial, integer, text, primaryKey } from "drizzle-orm/pg-core";
export const lines = pgTable("lines", {
  orderId: integer("order_id").notNull(),
  lineNo: bigserial("line_no", { mode: "number" }).notNull(),
  note: text("note"),
}, (t) => [primaryKey({ columns: [t.orderId, t.lineNo] })]);
export const audit = pgTable("audit", {
  id: integer("id").primaryKey(),
  seq: serial("seq"),
});
'''


def test_a_serial_not_the_whole_key_is_listed_with_its_fix(tmp_path):
    res = _adopt(tmp_path, SOURCE, "pg", ["lines", "audit"])
    assert res.returncode == 0, res.stdout + res.stderr
    manifest = (tmp_path / "manifests" / "app.yaml").read_text()
    assert ('# approximately: original.ts:4: table "lines", column "line_no": serial column in the composite '
            'primary key (order_id, line_no): kept as sequence lines_line_no_seq, owned by the column (default '
            'nextval), which numbers it on PostgreSQL only: SQLite has no sequences, so there the column has no '
            'default and every INSERT must give it; to number it on both engines, make line_no the table\'s whole '
            'primary key, an identity column (numbered on both engines), with UNIQUE (order_id, line_no) keeping '
            'the pair unique, and import again') in manifest
    assert ('# approximately: original.ts:9: table "audit", column "seq": serial column outside the primary key '
            '(id): kept as sequence audit_seq_seq') in manifest
    assert "give seq in every INSERT (a plain integer column)" in manifest
    # what the listing says, on SQLite itself: the generated DDL numbers nothing there
    db = sqlite3.connect(tmp_path / "app.db")
    db.executescript((tmp_path / "generated" / "app" / "sqlite.sql").read_text())
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL constraint failed: lines.line_no"):
        db.execute("INSERT INTO lines (order_id) VALUES (1)")
    # and --strict refuses it
    res = cli("import", "--drizzle", "original.ts", "-o", "strict.yaml", "--strict", cwd=tmp_path)
    assert res.exit_code == 2, res.output
