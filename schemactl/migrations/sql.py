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
from . import retype
from .plan import Op, widens
from .retype import SQLITE_NEW

# SQLite operations that ALTER TABLE / CREATE INDEX can do without a rebuild.
SQLITE_IN_PLACE = {"rename_table", "rename_column", "add_index", "drop_index", "rename_index", "set_comment",
                   "add_column", "set_row_security"}   # (row-level security: PostgreSQL only, nothing to do on SQLite)

# PostgreSQL: phase of each operation kind (lower runs first).  Foreign keys are dropped before the keys
# and indexes they depend on, and so are the dropped tables (their foreign keys with them: a key the migration
# drops or moves may be what one of them references).  A key, check or index renamed with its table or column
# is renamed in place.
PG_PHASE = {
    "drop_view": -2, "drop_search": -2, "drop_trigger": -2, "create_search": 9, "create_trigger": 9,
    "create_view": 10,
    "drop_foreign_key": -0.5, "drop_check": 0, "drop_unique": 0, "drop_index": 0, "set_primary_key": 0,
    "rename_table": -1, "rename_column": -1, "rename_constraint": -1, "rename_index": -1, "drop_table": -0.4, "create_enum": 3, "add_enum_value": 3,
    "change_enum_values": 3, "create_table": 4, "add_column": 5, "alter_type": 5, "set_not_null": 5,
    "drop_not_null": 5, "set_default": 5, "set_generated": 5, "set_identity": 5, "set_comment": 5, "table_options": 5,
    "sqlite_storage": 5, "drop_column": 6, "add_unique": 7, "add_check": 7, "add_foreign_key": 8, "add_index": 8, "drop_enum": 9,
    # objects beside tables: policies and triggers go before the functions they use; sequences before the
    # columns whose defaults call them, and after the columns that own them (IF EXISTS: dropped with them)
    "drop_policy": -2, "drop_function": -1, "create_sequence": 3, "alter_sequence": 5, "drop_sequence": 6.5,
    "set_row_security": 5, "create_function": 8, "replace_function": 8, "create_policy": 10,
}


def statements(ops: list[Op], old: Manifest, new: Manifest, engine: str) -> list[str]:
    retype.refuse(ops, old, new)
    return RENDERERS[engine](ops, old, new)


# ---------------------------------------------------------------- PostgreSQL

def _postgres(ops: list[Op], old: Manifest, new: Manifest) -> list[str]:
    r_new, r_old = Renderer(new, "postgres"), Renderer(old, "postgres")
    out: list[str] = []
    created_now = [op.table for op in ops if op.kind == "create_table"]
    existing = {t.name for t in new.tables} - set(created_now)
    late_fks: list[str] = []
    retyped = {(op.table, op.name) for op in ops if op.kind == "alter_type"}
    fk_ops = {(op.table, op.name) for op in ops if op.kind in ("drop_foreign_key", "add_foreign_key")}
    dropped = [op.table for op in ops if op.kind == "drop_table"]
    # a foreign key over a column whose type changes to one of another kind (integer -> text) on either side
    # cannot stand between the two ALTER TYPEs ("key columns are of incompatible types"): dropped before the
    # first type change, added back late
    far = {(op.table, op.name) for op in ops if op.kind == "alter_type" and not widens(op.old, op.new)}
    over_far = [(t.name, fk) for t in new.tables if t.name not in created_now for fk in t.foreign_keys
                if (t.name, fk.name) not in fk_ops and
                (any((t.name, c) in far for c in fk.columns) or any((fk.ref_table, c) in far for c in _key_columns(new, fk)))]
    # a table created here runs before the ALTER TYPEs, the added columns and the added keys: its foreign keys to a
    # table whose column changes kind (parents.code integer -> text, referenced as text), or that gains a column,
    # a unique key or a primary key (added late, as the key it references may be) are added late too
    held = {table for table, _ in far} | {op.table for op in ops if op.kind in ("add_column", "add_unique") or
                                          (op.kind == "set_primary_key" and op.new)}
    for op in sorted(ops, key=lambda op: PG_PHASE[op.kind]):
        q = r_new.q(op.table) if op.table else None
        k = op.kind
        if k == "alter_type" and over_far:
            out += [f"ALTER TABLE {r_new.q(child)} DROP CONSTRAINT {quote(fk.name)};" for child, fk in over_far]
            late_fks += [f"ALTER TABLE {r_new.q(child)} ADD {r_new.fk_clause(fk)};" for child, fk in over_far]
            over_far = []
        if k in ("drop_unique", "set_primary_key") and op.old:
            # the foreign keys that reference the key depend on its index: dropped first, added back late
            for child, fk in _referencing(new, op.table, op.old.columns, fk_ops | {(n, "") for n in created_now}):
                out.append(f"ALTER TABLE {r_new.q(child)} DROP CONSTRAINT {quote(fk.name)};")
                late_fks.append(f"ALTER TABLE {r_new.q(child)} ADD {r_new.fk_clause(fk)};")
        if k == "drop_foreign_key" or k == "drop_check" or k == "drop_unique":
            out.append(f"ALTER TABLE {q} DROP CONSTRAINT {quote(op.name)};")
        elif k == "drop_index":
            if op.old.on("postgres"):
                out.append(f"DROP INDEX {r_new.q(op.name)};")
        elif k == "set_primary_key":
            if op.old:
                out.append(f"ALTER TABLE {q} DROP CONSTRAINT {quote(op.old.name)};")
            if op.new:
                cols = ", ".join(quote(c) for c in op.new.columns)
                late_fks.insert(0, f"ALTER TABLE {q} ADD CONSTRAINT {quote(op.new.name)} PRIMARY KEY ({cols});")
        elif k == "drop_table":   # in one statement: a parent and its children (even a cycle) go together
            if op.table == dropped[0]:
                out.append(f"DROP TABLE {', '.join(r_old.q(name) for name in dropped)};")
        elif k == "rename_table":
            out.append(f"ALTER TABLE {r_new.q(op.old)} RENAME TO {quote(op.table)};")
        elif k == "rename_column":
            out.append(f"ALTER TABLE {q} RENAME COLUMN {quote(op.old)} TO {quote(op.name)};")
        elif k == "rename_constraint":   # a key's index is renamed with it
            out.append(f"ALTER TABLE {q} RENAME CONSTRAINT {quote(op.old.name)} TO {quote(op.name)};")
        elif k == "rename_index":
            if op.new.on("postgres"):
                out.append(f"ALTER INDEX {r_new.q(op.old.name)} RENAME TO {quote(op.name)};")
        elif k == "create_enum":
            values = ", ".join(sql_string(v) for v in op.new)
            out.append(f"CREATE TYPE {r_new.q(op.name)} AS ENUM ({values});")
        elif k == "add_enum_value":
            # in the list's order, each after the one before it (added already or old); the first before the
            # first old value (the values added before it come after it, each after the one before)
            i = op.old.index(op.new)
            first_old = next(v for v in op.old if v in old.enum(op.name).values)
            where = f" AFTER {sql_string(op.old[i - 1])}" if i else f" BEFORE {sql_string(first_old)}"
            out.append(f"ALTER TYPE {r_new.q(op.name)} ADD VALUE {sql_string(op.new)}{where};")
        elif k == "set_generated":
            raise ValueError(f"column {op.table}.{op.name}: PostgreSQL 15 cannot change how a column is generated "
                             "in place; add a new column with the new expression and drop this one")
        elif k == "change_enum_values":
            raise ValueError(f"enum {op.name}: removing or reordering values is not supported by migrations; "
                             "add a new enum and move the column to it")
        elif k == "create_table":
            t = new.table(op.table)
            before = set(existing) - held
            out.append(r_new.create_table(t, before))
            existing.add(t.name)
            out += [r_new.create_index(t, ix) for ix in r_new.indexes(t)]
            out += r_new.comments(t)
            late_fks += [f"ALTER TABLE {q} ADD {r_new.fk_clause(fk)};" for fk in t.foreign_keys
                         if r_new.deferred(t, fk, before)]
        elif k == "add_column":
            t = new.table(op.table)
            out.append(f"ALTER TABLE {q} ADD COLUMN {r_new.column_line(t, op.new)};")
            if op.new.comment is not None:   # as the fresh DDL's COMMENT ON (a database built by the chain is alike)
                out.append(_comment_on(q, op.name, op.new.comment))
        elif k == "drop_column":
            out.append(f"ALTER TABLE {q} DROP COLUMN {quote(op.name)};")
        elif k == "alter_type":
            out += retype.pg_alter_type(r_new, old, new, op, q)
        elif k == "set_not_null":
            fill = r_new.default_sql(op.new) if op.new.default is not None else None
            if fill is not None:   # the rows that hold NULL get the default, as a row inserted without it would
                out.append(f"UPDATE {q} SET {quote(op.name)} = {fill} WHERE {quote(op.name)} IS NULL;")
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} SET NOT NULL;")
        elif k == "drop_not_null":
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} DROP NOT NULL;")
        elif k == "set_default":
            if (op.table, op.name) in retyped:
                continue   # set with the new type (retype.pg_alter_type)
            d = r_new.default_sql(op.new)
            action = f"SET DEFAULT {d}" if d is not None else "DROP DEFAULT"
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} {action};")
        elif k == "set_identity":
            action = "ADD GENERATED BY DEFAULT AS IDENTITY" if op.new else "DROP IDENTITY IF EXISTS"
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} {action};")
            if op.new:   # a table that holds rows: the identity goes on after its largest value (it started at 1)
                col = quote(op.name)
                out.append(f"SELECT setval(pg_get_serial_sequence({sql_string(q)}, {sql_string(op.name)}), "
                           f"max({col})) FROM {q} HAVING max({col}) IS NOT NULL;")
        elif k == "set_comment":
            out.append(_comment_on(q, op.name, op.new))
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
            if op.new.on("postgres"):
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
            late_fks += [r_new.create_view(op.new)] + r_new.view_comment(op.new)
        elif k == "drop_enum":
            late_fks.append(f"DROP TYPE {r_old.q(op.name)};")
        elif k == "create_sequence":
            out.append(r_new.create_sequence(op.new))
            if op.new.owned_by:
                late_fks.append(r_new.sequence_owner(op.new))
        elif k == "alter_sequence":
            out.append(r_new.alter_sequence(op.new))
            if op.old.owned_by != op.new.owned_by:
                late_fks.append(r_new.sequence_owner(op.new))
        elif k == "drop_sequence":
            out.append(f"DROP SEQUENCE IF EXISTS {r_old.q(op.name)};")
        elif k in ("create_function", "replace_function"):
            out.append(r_new.create_function(op.new, replace=k == "replace_function"))
        elif k == "drop_function":
            out.append(f"DROP FUNCTION IF EXISTS {r_old.q(op.name)};")   # one function per name: no arguments
        elif k == "set_row_security":
            out += r_new.row_security(op.new, op.old)
        elif k == "drop_policy":
            out.append(r_old.drop_policy(op.old))
        elif k == "create_policy":
            late_fks.append(r_new.create_policy(op.new))
    # the extensions whose types the new manifest's columns name first, which the old one's did not (its chain
    # created them)
    added = [e for e in r_new.extensions() if e not in r_old.extensions()]
    return r_new.create_extensions(added) + r_new.migration_search_path(op.kind for op in ops) + out + late_fks



# ---------------------------------------------------------------- SQLite

def _comment_on(table: str, column: str | None, text: str | None) -> str:
    """COMMENT ON of a (quoted) table or its column; None removes the comment."""
    target = f"COLUMN {table}.{quote(column)}" if column else f"TABLE {table}"
    return f"COMMENT ON {target} IS {sql_string(text) if text is not None else 'NULL'};"


def _key_columns(m: Manifest, fk) -> tuple:
    """The columns of its table that ``fk`` references (the primary key when it names none)."""
    target = m.table(fk.ref_table)
    return fk.ref_columns or (target.primary_key.columns if target is not None and target.primary_key else ())


def _referencing(m: Manifest, table: str, columns: tuple, skip: set) -> list[tuple]:
    """(table, foreign key) of ``m`` that reference ``table``'s ``columns`` (its primary key when the key names
    none), but those of ``skip`` ((table, key name); (table, "") for a whole table)."""
    target = m.table(table)
    pk = target.primary_key.columns if target is not None and target.primary_key else ()
    return [(t.name, fk) for t in m.tables for fk in t.foreign_keys
            if fk.ref_table == table and set(fk.ref_columns or pk) == set(columns)
            and (t.name, fk.name) not in skip and (t.name, "") not in skip]


def _sqlite_add_column_ok(r: Renderer, t: Table, op: Op) -> bool:
    """SQLite's ADD COLUMN: no key, no expression default, NOT NULL only with a default, FKs default NULL."""
    c = op.new
    if t.primary_key and c.name in t.primary_key.columns:
        return False
    if c.generated is not None and r.stored(c):   # ADD COLUMN takes only VIRTUAL generated columns
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



def _renamed_to(ops: list[Op], old_name: str) -> str | None:
    return next((op.table for op in ops if op.kind == "rename_table" and op.old == old_name), None)


# Operations on the schema as a whole that name a table but never change it (dropped first, created last).
SQLITE_AROUND = {"drop_search", "create_search", "drop_trigger", "create_trigger", "drop_policy", "create_policy"}


def _sqlite(ops: list[Op], old: Manifest, new: Manifest) -> list[str]:
    """SQLite statements that are correct with foreign keys ON or OFF, inside a runner's transaction or not
    (docs/runtime-protocol.md, section 2): no DROP TABLE ever fires a cascade into rows that are kept."""
    r_new, r_old = Renderer(new, "sqlite"), Renderer(old, "sqlite")
    if old.time_storage != new.time_storage:
        kept = [f"{t.name}.{c.name}" for t in old.tables for c in t.columns if c.type.name == "timestamptz"
                and any(op.kind == "sqlite_storage" and op.table in (t.name, _renamed_to(ops, t.name)) for op in ops)]
        if kept:   # the rows' values are in the old form: a rebuild would copy them as they are
            raise ValueError(f"sqlite: timestamptz: {old.time_storage} -> {new.time_storage} changes how SQLite stores "
                             f"the values of {', '.join(kept[:3])}{' …' if len(kept) > 3 else ''} (a table rebuild "
                             "copies them unconverted, and old rows would keep the old form beside the new); keep "
                             f"sqlite: {{timestamptz: {old.time_storage}}}, the convention the chain's databases hold")
    by_table: dict[str, list[Op]] = {}
    for op in ops:
        if op.table and op.kind not in SQLITE_AROUND:
            by_table.setdefault(op.table, []).append(op)
    enum_changed = {op.name for op in ops if op.kind in ("add_enum_value", "change_enum_values")}
    created = {op.table for op in ops if op.kind == "create_table"}
    dropped = [op.table for op in ops if op.kind == "drop_table"]
    renamed = {op.table: op.old for op in ops if op.kind == "rename_table"}
    rebuild: set[str] = set()
    for t in new.tables:
        tops = by_table.get(t.name, [])
        if t.name in created or not (tops or any(c.type.enum in enum_changed for c in t.columns)):
            continue
        if any(c.type.enum in enum_changed for c in t.columns) or not all(
                op.kind in SQLITE_IN_PLACE and (op.kind != "add_column" or _sqlite_add_column_ok(r_new, t, op))
                for op in tops):
            rebuild.add(t.name)
    closure = _referencing_closure(rebuild, old, new, renamed, created)

    out = [f"DROP VIEW {quote(op.name)};" for op in ops if op.kind == "drop_view"]
    out += [stmt for op in ops if op.kind == "drop_search" for stmt in r_old.search(op.old, "drop")]
    out += [stmt for op in ops if op.kind == "drop_trigger" for stmt in r_old.trigger(op.old, "drop")]
    for t in new.tables:   # in-place changes first: the closure below reads the tables by their new names
        if t.name in by_table and t.name not in closure and t.name not in created:
            out += _sqlite_in_place(r_new, t, by_table[t.name])
    for t in new.tables:   # new tables before the rebuilds, whose rows may reference them
        if t.name in created:
            out.append(r_new.create_table(t, {x.name for x in new.tables}))
            out += [r_new.create_index(t, ix) for ix in r_new.indexes(t)]
    # Dropped tables go with the old tables of the rebuild, after the rows are copied and children first:
    # by then no kept table references them, so the implicit DELETE of DROP TABLE cascades into nothing
    # that stays.
    out += _sqlite_rebuild(r_new, old, new, closure, by_table, renamed, dropped)
    out += [stmt for op in ops if op.kind == "create_search"
            for stmt in r_new.search(op.new) + r_new.search(op.new, "refill")]
    out += [stmt for op in ops if op.kind == "create_trigger" for stmt in r_new.trigger(op.new)]
    out += [r_new.create_view(op.new) for op in ops if op.kind == "create_view"]
    return out


def _referencing_closure(rebuild: set[str], old: Manifest, new: Manifest, renamed: dict, created: set) -> set[str]:
    """The tables to rebuild: ``rebuild`` and every kept table that references one of them, recursively
    (by the old or the new foreign keys), so that dropping an old table can only cascade into old tables
    whose rows are already copied."""
    old_name = {t.name: renamed.get(t.name, t.name) for t in new.tables if t.name not in created}
    new_name = {v: k for k, v in old_name.items()}
    refs: dict[str, set[str]] = {}     # kept table (new name) -> kept tables (new names) it references
    for t in new.tables:
        if t.name in created:
            continue
        parents = {fk.ref_table for fk in t.foreign_keys}
        was = old.table(old_name[t.name])
        if was is not None:
            parents |= {new_name.get(fk.ref_table, "") for fk in was.foreign_keys}
        refs[t.name] = {p for p in parents if p in old_name}
    closure = set(rebuild)
    grew = True
    while grew:
        grew = False
        for child, parents in refs.items():
            if child not in closure and parents & closure:
                closure.add(child)
                grew = True
    return closure


def _parents_first(names: list[str], parents_of, fallback=None) -> list[str]:
    """``names`` ordered so that a table comes after the tables it references (cycles: the tables ready by
    ``fallback``'s references, else given order)."""
    pending, out = list(names), []
    while pending:
        ready = [n for n in pending if not (parents_of(n) & set(pending)) - {n}]
        if not ready and fallback is not None:
            ready = [n for n in pending if not (fallback(n) & set(pending)) - {n}]
        nxt = ready[0] if ready else pending[0]
        out.append(nxt)
        pending.remove(nxt)
    return out


# Deleting a parent row runs these actions on its children at once; children go first so that they
# find nothing.  Every other key orders the drops too where it can: with foreign keys ON, SQLite cannot
# drop a table that another table or the table itself references once its own parent is gone (the
# implicit DELETE FROM fails: no such table).  A cycle is broken where no action needs an order.
_ORDERING_ACTIONS = {"restrict", "set null", "set default"}


def _children_first(names: list[str], m: Manifest) -> list[str]:
    def parents(n, actions=None):
        t = m.table(n)
        return {fk.ref_table for fk in t.foreign_keys if actions is None or fk.on_delete in actions} if t else set()
    return list(reversed(_parents_first(list(names), parents, lambda n: parents(n, _ORDERING_ACTIONS))))


RENDERERS = {"postgres": _postgres, "sqlite": _sqlite}


def _sqlite_in_place(r: Renderer, t: Table, ops: list[Op]) -> list[str]:
    out = []
    order = ["rename_table", "rename_column", "drop_index", "rename_index", "add_column", "add_index"]
    for kind in order:
        for op in (o for o in ops if o.kind == kind):
            if kind == "rename_table":
                out.append(f"ALTER TABLE {quote(op.old)} RENAME TO {quote(t.name)};")
            elif kind == "rename_column":
                out.append(f"ALTER TABLE {quote(t.name)} RENAME COLUMN {quote(op.old)} TO {quote(op.name)};")
            elif kind == "drop_index" and op.old.on("sqlite"):
                out.append(f"DROP INDEX {quote(op.name)};")
            elif kind == "rename_index" and op.new.on("sqlite"):   # SQLite renames no index: made again
                out += [f"DROP INDEX {quote(op.old.name)};", r.create_index(t, op.new)]
            elif kind == "add_column":
                out.append(f"ALTER TABLE {quote(t.name)} ADD COLUMN {r.column_line(t, op.new)};")
            elif kind == "add_index" and op.new.on("sqlite"):
                out.append(r.create_index(t, op.new))
    return out


def _sqlite_rebuild(r: Renderer, old: Manifest, new: Manifest, closure: set[str], by_table: dict,
                    renamed: dict, dropped: list[str]) -> list[str]:
    """Rebuild every table of ``closure`` at once (docs/runtime-protocol.md, section 2): new tables that
    reference each other, rows copied parents first (rowids kept), old tables dropped children first,
    new tables renamed (SQLite rewrites the references between them), indexes recreated."""
    tables = [t for t in new.tables if t.name in closure]
    temp = {t.name: SQLITE_NEW + t.name for t in tables}
    order = _parents_first([t.name for t in tables],
                           lambda n: {fk.ref_table for fk in new.table(n).foreign_keys})
    out = ["PRAGMA defer_foreign_keys = ON;"] if closure else []
    for name in order:
        t = new.table(name)
        create = r.create_table(t, {x.name for x in new.tables}, refs=temp)
        out.append(create.replace(f"CREATE TABLE {quote(t.name)} (", f"CREATE TABLE {quote(temp[name])} (", 1))
    for name in order:
        out += _sqlite_copy(r, old, new.table(name), temp[name], renamed.get(name, name), by_table.get(name, []))
    old_names = [renamed.get(name, name) for name in order] + list(dropped)
    out += _sqlite_drops(_children_first(old_names, old), old)
    out += [f"ALTER TABLE {quote(temp[name])} RENAME TO {quote(name)};" for name in order]
    for name in order:
        t = new.table(name)
        out += [r.create_index(t, ix) for ix in r.indexes(t)]
    return out


def _sqlite_drops(names: list[str], old: Manifest) -> list[str]:
    """DROP TABLE of each of ``names`` in order.  A cycle of foreign keys drops a parent before a child
    that references it; with foreign keys ON, SQLite then cannot drop a table whose ON DELETE CASCADE
    (from that child or the table itself) deletes from a child whose parent is gone (no such table).  An
    empty stand-in with the parent's keyed columns lets it (no row is left to refer to it), and goes last."""
    out, stand_ins = [], []
    for i, name in enumerate(names):
        out.append(f"DROP TABLE {quote(name)};")
        keys = sorted({tuple(_key_columns(old, fk)) for n in names[i + 1:] for fk in old.table(n).foreign_keys
                       if fk.ref_table == name and n != name})
        if keys:
            columns = sorted({c for key in keys for c in key})
            uniques = ", ".join(f"UNIQUE ({', '.join(quote(c) for c in key)})" for key in keys)
            out.append(f"CREATE TABLE {quote(name)} ({', '.join(quote(c) for c in columns)}, {uniques});")
            stand_ins.append(name)
    return out + [f"DROP TABLE {quote(name)};" for name in stand_ins]


def _sqlite_copy(r: Renderer, old: Manifest, t: Table, temp: str, source: str, ops: list[Op]) -> list[str]:
    """Copy the rows of the old table ``source`` into ``temp`` (the rowid too, for full-text search and
    AUTOINCREMENT), and carry its AUTOINCREMENT counter over."""
    renames = {op.name: op.old for op in ops if op.kind == "rename_column"}
    added = {op.name for op in ops if op.kind == "add_column"}
    filled = {op.name for op in ops if op.kind == "set_not_null" and op.new.default is not None}
    old_table = old.table(source)
    retyped = {op.name: op for op in ops if op.kind == "alter_type"}
    copy_to, copy_from, guards = [], [], []
    for c in t.data_columns:      # generated columns compute themselves
        if c.name in added:
            continue
        from_name = renames.get(c.name, c.name)
        if old_table.column(from_name) is not None:
            copy_to.append(quote(c.name))
            fill = r.default_sql(c) if c.name in filled else None
            # made NOT NULL: the rows that hold NULL get the default, as a row inserted without it would
            value = f"COALESCE({quote(from_name)}, {fill})" if fill is not None else quote(from_name)
            if c.name in retyped:   # as PostgreSQL's cast converts it, checked first where it may not fit
                value, checks = retype.sqlite_copied(retyped[c.name], t.name, source, from_name, value)
                guards += checks
            copy_from.append(value)
    alias = any(r.rowid_alias(t, c) and quote(c.name) in copy_to for c in t.columns)
    if not (t.without_rowid or old_table.without_rowid or alias):
        copy_to.insert(0, "rowid")
        copy_from.insert(0, "rowid")
    out = list(guards)
    if copy_to:
        out.append(f"INSERT INTO {quote(temp)} ({', '.join(copy_to)}) SELECT {', '.join(copy_from)} "
                   f"FROM {quote(source)};")
    out += retype.sqlite_checks(t.name, temp, [op for op in retyped.values() if quote(op.name) in copy_to])
    if any(c.identity for c in t.columns) and any(c.identity for c in old_table.columns):
        out.append(f"DELETE FROM sqlite_sequence WHERE name = {sql_string(temp)};")
        out.append(f"INSERT INTO sqlite_sequence (name, seq) SELECT {sql_string(temp)}, seq FROM sqlite_sequence "
                   f"WHERE name = {sql_string(source)};")
    return out
