"""Rendering planned operations as SQL statements for each engine.

PostgreSQL gets one ALTER per operation, ordered so that nothing is dropped
while still referenced and nothing is added before what it needs.  SQLite uses
ALTER TABLE where SQLite supports the change (rename table, rename column,
add a plain nullable column, indexes) and otherwise the documented table
rebuild: create the new table, copy the rows, drop the old one, rename, and
recreate its indexes.  The runtime runs each migration in one transaction with
foreign keys off on SQLite and checks them (``PRAGMA foreign_key_check``) before
committing.
"""

from __future__ import annotations

from ..manifest.model import Manifest, Table
from ..naming import quote, sql_string
from ..render.ddl import Renderer
from .plan import Op

# SQLite operations that ALTER TABLE / CREATE INDEX can do without a rebuild.
SQLITE_IN_PLACE = {"rename_table", "rename_column", "add_index", "drop_index", "set_comment", "add_column"}

# PostgreSQL: phase of each operation kind (lower runs first).
PG_PHASE = {
    "drop_view": -2, "drop_search": -2, "drop_trigger": -2, "create_search": 9, "create_trigger": 9,
    "create_view": 10,
    "drop_foreign_key": 0, "drop_check": 0, "drop_unique": 0, "drop_index": 0, "set_primary_key": 0,
    "rename_table": -1, "rename_column": -1, "drop_table": 1, "create_enum": 3, "add_enum_value": 3,
    "change_enum_values": 3, "create_table": 4, "add_column": 5, "alter_type": 5, "set_not_null": 5,
    "drop_not_null": 5, "set_default": 5, "set_identity": 5, "set_comment": 5, "table_options": 5,
    "sqlite_storage": 5, "drop_column": 6, "add_unique": 7, "add_check": 7, "add_foreign_key": 8, "add_index": 8, "drop_enum": 9,
}


def statements(ops: list[Op], old: Manifest, new: Manifest, engine: str) -> list[str]:
    return RENDERERS[engine](ops, old, new)


# ---------------------------------------------------------------- PostgreSQL

def _postgres(ops: list[Op], old: Manifest, new: Manifest) -> list[str]:
    r_new, r_old = Renderer(new, "postgres"), Renderer(old, "postgres")
    out: list[str] = []
    created_now = [op.table for op in ops if op.kind == "create_table"]
    existing = {t.name for t in new.tables} - set(created_now)
    late_fks: list[str] = []
    for op in sorted(ops, key=lambda op: PG_PHASE[op.kind]):
        q = r_new.q(op.table) if op.table else None
        k = op.kind
        if k == "drop_foreign_key" or k == "drop_check" or k == "drop_unique":
            out.append(f"ALTER TABLE {q} DROP CONSTRAINT {quote(op.name)};")
        elif k == "drop_index":
            out.append(f"DROP INDEX {r_new.q(op.name)};")
        elif k == "set_primary_key":
            if op.old:
                out.append(f"ALTER TABLE {q} DROP CONSTRAINT {quote(op.old.name)};")
            if op.new:
                cols = ", ".join(quote(c) for c in op.new.columns)
                late_fks.insert(0, f"ALTER TABLE {q} ADD CONSTRAINT {quote(op.new.name)} PRIMARY KEY ({cols});")
        elif k == "drop_table":
            out.append(f"DROP TABLE {r_old.q(op.table)};")
        elif k == "rename_table":
            out.append(f"ALTER TABLE {r_new.q(op.old)} RENAME TO {quote(op.table)};")
        elif k == "rename_column":
            out.append(f"ALTER TABLE {q} RENAME COLUMN {quote(op.old)} TO {quote(op.name)};")
        elif k == "create_enum":
            values = ", ".join(sql_string(v) for v in op.new)
            out.append(f"CREATE TYPE {r_new.q(op.name)} AS ENUM ({values});")
        elif k == "add_enum_value":
            i = op.old.index(op.new)
            where = f" AFTER {sql_string(op.old[i - 1])}" if i else f" BEFORE {sql_string(op.old[1])}"
            out.append(f"ALTER TYPE {r_new.q(op.name)} ADD VALUE {sql_string(op.new)}{where};")
        elif k == "change_enum_values":
            raise ValueError(f"enum {op.name}: removing or reordering values is not supported by migrations; "
                             "add a new enum and move the column to it")
        elif k == "create_table":
            t = new.table(op.table)
            before = set(existing)
            out.append(r_new.create_table(t, before))
            existing.add(t.name)
            out += [r_new.create_index(t, ix) for ix in sorted(t.indexes, key=lambda i: i.name)]
            out += r_new.comments(t)
            late_fks += [f"ALTER TABLE {q} ADD {r_new.fk_clause(fk)};" for fk in t.foreign_keys
                         if r_new.deferred(t, fk, before)]
        elif k == "add_column":
            t = new.table(op.table)
            out.append(f"ALTER TABLE {q} ADD COLUMN {r_new.column_line(t, op.new)};")
        elif k == "drop_column":
            out.append(f"ALTER TABLE {q} DROP COLUMN {quote(op.name)};")
        elif k == "alter_type":
            t = new.table(op.table)
            typ = r_new.column_type(t, t.column(op.name))
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} TYPE {typ} USING {quote(op.name)}::{typ};")
        elif k == "set_not_null":
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} SET NOT NULL;")
        elif k == "drop_not_null":
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} DROP NOT NULL;")
        elif k == "set_default":
            d = r_new.default_sql(op.new)
            action = f"SET DEFAULT {d}" if d is not None else "DROP DEFAULT"
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} {action};")
        elif k == "set_identity":
            action = "ADD GENERATED BY DEFAULT AS IDENTITY" if op.new else "DROP IDENTITY IF EXISTS"
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} {action};")
        elif k == "set_comment":
            target = f"COLUMN {q}.{quote(op.name)}" if op.name else f"TABLE {q}"
            out.append(f"COMMENT ON {target} IS {sql_string(op.new) if op.new is not None else 'NULL'};")
        elif k in ("table_options", "sqlite_storage"):
            continue  # SQLite-only
        elif k == "add_unique":
            cols = ", ".join(quote(c) for c in op.new.columns)
            late_fks.insert(0, f"ALTER TABLE {q} ADD CONSTRAINT {quote(op.name)} UNIQUE ({cols});")
        elif k == "add_check":
            out.append(f"ALTER TABLE {q} ADD CONSTRAINT {quote(op.name)} CHECK ({op.new.expr.on('postgres')});")
        elif k == "add_foreign_key":
            late_fks.append(f"ALTER TABLE {q} ADD {r_new.fk_clause(op.new)};")
        elif k == "add_index":
            out.append(r_new.create_index(new.table(op.table), op.new))
        elif k == "drop_view":
            out.append(f"DROP VIEW {r_old.q(op.name)};")
        elif k == "drop_search":
            out += r_old.search(op.old, "drop")
        elif k == "drop_trigger":
            out += r_old.trigger(op.old, "drop")
        elif k == "create_trigger":
            late_fks += r_new.trigger(op.new)
        elif k == "create_search":
            late_fks += r_new.search(op.new)
        elif k == "create_view":
            late_fks.append(r_new.create_view(op.new))
        elif k == "drop_enum":
            late_fks.append(f"DROP TYPE {r_old.q(op.name)};")
    return out + late_fks


# ---------------------------------------------------------------- SQLite

def _sqlite_add_column_ok(r: Renderer, t: Table, op: Op) -> bool:
    """SQLite's ADD COLUMN: no key, no expression default, NOT NULL only with a default, FKs default NULL."""
    c = op.new
    if t.primary_key and c.name in t.primary_key.columns:
        return False
    if any(c.name in u.columns for u in t.uniques) or c.type.enum or c.identity:
        return False
    if any(c.name in fk.columns for fk in t.foreign_keys) and c.default is not None:
        return False
    if any(c.name in ck.expr.columns for ck in t.checks):
        return False
    d = r.default_sql(c)
    if d is not None and (d.startswith("(") or d.upper().startswith("CURRENT_")):
        return False
    return c.nullable or d is not None


def _sqlite(ops: list[Op], old: Manifest, new: Manifest) -> list[str]:
    r_new = Renderer(new, "sqlite")
    out: list[str] = []
    by_table: dict[str, list[Op]] = {}
    for op in ops:
        if op.table:
            by_table.setdefault(op.table, []).append(op)
    enum_changed = {op.name for op in ops if op.kind in ("add_enum_value", "change_enum_values")}
    out += [f"DROP VIEW {quote(op.name)};" for op in ops if op.kind == "drop_view"]
    r_old = Renderer(old, "sqlite")
    out += [stmt for op in ops if op.kind == "drop_search" for stmt in r_old.search(op.old, "drop")]
    out += [stmt for op in ops if op.kind == "drop_trigger" for stmt in r_old.trigger(op.old, "drop")]
    for op in ops:
        if op.kind == "drop_table":
            out.append(f"DROP TABLE {quote(op.table)};")
    for t in new.tables:
        tops = by_table.get(t.name, [])
        uses_changed_enum = any(c.type.enum in enum_changed for c in t.columns)
        if any(op.kind == "create_table" for op in tops):
            out.append(r_new.create_table(t, {x.name for x in new.tables}))
            out += [r_new.create_index(t, ix) for ix in sorted(t.indexes, key=lambda i: i.name)]
            continue
        if not tops and not uses_changed_enum:
            continue
        in_place = not uses_changed_enum and all(
            op.kind in SQLITE_IN_PLACE and (op.kind != "add_column" or _sqlite_add_column_ok(r_new, t, op))
            for op in tops)
        if in_place:
            out += _sqlite_in_place(r_new, t, tops)
        else:
            out += _sqlite_rebuild(r_new, old, t, tops)
    out += [stmt for op in ops if op.kind == "create_search"
            for stmt in r_new.search(op.new) + r_new.search(op.new, "refill")]
    out += [stmt for op in ops if op.kind == "create_trigger" for stmt in r_new.trigger(op.new)]
    out += [r_new.create_view(op.new) for op in ops if op.kind == "create_view"]
    return out


RENDERERS = {"postgres": _postgres, "sqlite": _sqlite}


def _sqlite_in_place(r: Renderer, t: Table, ops: list[Op]) -> list[str]:
    out = []
    order = ["rename_table", "rename_column", "drop_index", "add_column", "add_index"]
    for kind in order:
        for op in (o for o in ops if o.kind == kind):
            if kind == "rename_table":
                out.append(f"ALTER TABLE {quote(op.old)} RENAME TO {quote(t.name)};")
            elif kind == "rename_column":
                out.append(f"ALTER TABLE {quote(t.name)} RENAME COLUMN {quote(op.old)} TO {quote(op.name)};")
            elif kind == "drop_index":
                out.append(f"DROP INDEX {quote(op.name)};")
            elif kind == "add_column":
                out.append(f"ALTER TABLE {quote(t.name)} ADD COLUMN {r.column_line(t, op.new)};")
            elif kind == "add_index":
                out.append(r.create_index(t, op.new))
    return out


def _sqlite_rebuild(r: Renderer, old: Manifest, t: Table, ops: list[Op]) -> list[str]:
    """The table rebuild from SQLite's documentation (lang_altertable.html, 'other changes')."""
    renamed_from = next((op.old for op in ops if op.kind == "rename_table"), t.name)
    renames = {op.name: op.old for op in ops if op.kind == "rename_column"}
    added = {op.name for op in ops if op.kind == "add_column"}
    old_table = old.table(renamed_from)
    copy_to, copy_from = [], []
    for c in t.columns:
        if c.name in added:
            continue
        source = renames.get(c.name, c.name)
        if old_table.column(source) is not None:
            copy_to.append(quote(c.name))
            copy_from.append(quote(source))
    temp = f"__schemactl_new_{t.name}"
    create = r.create_table(t, {x.name for x in r.m.tables}).replace(f"CREATE TABLE {quote(t.name)} (",
                                                                    f"CREATE TABLE {quote(temp)} (", 1)
    out = [create]
    if copy_to:
        out.append(f"INSERT INTO {quote(temp)} ({', '.join(copy_to)}) SELECT {', '.join(copy_from)} "
                   f"FROM {quote(renamed_from)};")
    out.append(f"DROP TABLE {quote(renamed_from)};")
    out.append(f"ALTER TABLE {quote(temp)} RENAME TO {quote(t.name)};")
    out += [r.create_index(t, ix) for ix in sorted(t.indexes, key=lambda i: i.name)]
    return out
