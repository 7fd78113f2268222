"""Planning a migration: two models (last released snapshot, current manifest) ->
typed operations.  Renames come only from ``renamed_from`` hints, never guessed.
Operations that can lose data or fail on a populated database are marked
destructive with the reason."""

from __future__ import annotations

import dataclasses

from dataclasses import dataclass

from ..manifest.model import Column, Manifest, Table
from ..types import INT_RANGES, TypeRef

# (from, to) portable type pairs that widen without loss.
WIDENING = frozenset({
    ("smallint", "integer"), ("smallint", "bigint"), ("integer", "bigint"), ("real", "double"),
    ("varchar", "text"), ("json", "jsonb"), ("timestamp", "timestamptz"), ("uuid", "text"),
})


@dataclass(frozen=True)
class Op:
    kind: str
    table: str | None = None
    name: str | None = None       # column, constraint, index or enum concerned
    old: object = None
    new: object = None
    destructive: str | None = None

    def describe(self) -> str:
        what = {
            "create_table": f"create table {self.table}",
            "drop_table": f"drop table {self.table}",
            "rename_table": f"rename table {self.old} to {self.table}",
            "add_column": f"add column {self.table}.{self.name}",
            "drop_column": f"drop column {self.table}.{self.name}",
            "rename_column": f"rename column {self.table}.{self.old} to {self.name}",
            "alter_type": f"change type of {self.table}.{self.name} from {_t(self.old)} to {_t(self.new)}",
            "set_not_null": f"make {self.table}.{self.name} NOT NULL" + (
                " (rows holding NULL get its default)" if getattr(self.new, "default", None) is not None else ""),
            "drop_not_null": f"make {self.table}.{self.name} nullable",
            "set_default": f"change default of {self.table}.{self.name}",
            "set_identity": f"{'add' if self.new else 'drop'} identity on {self.table}.{self.name}",
            "set_comment": f"change comment of {self.table}" + (f".{self.name}" if self.name else ""),
            "set_generated": f"change how {self.table}.{self.name} is generated",
            "set_primary_key": f"change primary key of {self.table}",
            "rename_constraint": f"rename constraint {getattr(self.old, 'name', '')} to {self.name} on {self.table}",
            "rename_index": f"rename index {getattr(self.old, 'name', '')} to {self.name} on {self.table}",
            "add_unique": f"add unique constraint {self.name} on {self.table}",
            "drop_unique": f"drop unique constraint {self.name} on {self.table}",
            "add_foreign_key": f"add foreign key {self.name} on {self.table}",
            "drop_foreign_key": f"drop foreign key {self.name} on {self.table}",
            "add_check": f"add check {self.name} on {self.table}",
            "drop_check": f"drop check {self.name} on {self.table}",
            "add_index": f"add index {self.name} on {self.table}",
            "drop_index": f"drop index {self.name} on {self.table}",
            "table_options": f"change table options of {self.table}",
            "sqlite_storage": f"rebuild {self.table} on SQLite for new type spellings/storage",
            "drop_view": f"drop view {self.name}",
            "drop_search": f"drop search {self.name} on {self.table}",
            "drop_trigger": f"drop trigger {self.name}",
            "create_trigger": f"create trigger {self.name}",
            "create_search": f"create search {self.name} on {self.table}",
            "create_view": f"create view {self.name}",
            "create_enum": f"create enum {self.name}",
            "drop_enum": f"drop enum {self.name}",
            "add_enum_value": f"add value {self.new!r} to enum {self.name}",
            "change_enum_values": f"remove or reorder values of enum {self.name}",
            "create_function": f"create function {self.name}",
            "replace_function": f"replace function {self.name}",
            "drop_function": f"drop function {self.name}",
            "create_sequence": f"create sequence {self.name}",
            "alter_sequence": f"change sequence {self.name}",
            "drop_sequence": f"drop sequence {self.name}",
            "set_row_security": f"change row-level security of {self.table}",
            "create_policy": f"create policy {self.name} on {self.table}",
            "drop_policy": f"drop policy {self.name} on {self.table}",
        }[self.kind]
        return what + (f"  [destructive: {self.destructive}]" if self.destructive else "")


def _t(ref: TypeRef) -> str:
    return ref.spelled() if isinstance(ref, TypeRef) else str(ref)


# Portable types among which PostgreSQL reads a CHECK or index expression over the column alike after ALTER COLUMN
# TYPE (the same operators apply); any other type change can leave a stored expression without its operator
# (text -> enum: "operator does not exist: status = text"), so those are dropped and made again around it.
_READ_ALIKE = ({"smallint", "integer", "bigint"}, {"text", "varchar"}, {"real", "double"}, {"numeric"})


def read_alike(old: TypeRef, new: TypeRef) -> bool:
    if old.enum or new.enum or old.array or new.array:
        return old == new
    return any(old.name in group and new.name in group for group in _READ_ALIKE)


def _reads(x, columns: set) -> bool:
    """Whether the CHECK or index ``x`` has an expression (a CHECK's, an index's predicate or expression key)
    that reads one of ``columns``."""
    exprs = [x.expr] if hasattr(x, "expr") else [x.where, *(c.expr for c in x.columns)]
    return any(e is not None and set(e.columns) & columns for e in exprs)


def widens(old: TypeRef, new: TypeRef) -> bool:
    if old == new:
        return True
    if old.enum or new.enum or old.array != new.array:   # an array widens only to an array of a wider type
        return False
    if (old.name, new.name) in WIDENING:
        return True
    if old.name == new.name == "varchar":
        return new.args[0] >= old.args[0]
    if old.name == new.name == "numeric":
        (p0, s0), (p1, s1) = old.args, new.args
        return s1 >= s0 and p1 - s1 >= p0 - s0
    return False


# The longest decimal text of each integer kind's values: its minimum's, with the sign (-32768: 6).
_INT_TEXT_LENGTH = {kind: len(str(lo)) for kind, (lo, _) in INT_RANGES.items()}


def keeps_values(old: TypeRef, new: TypeRef) -> bool:
    """Whether every value of ``old`` is held, as it reads, by ``new`` though the kind changes: an integer becoming
    text, a varchar(n) as long as its type's longest decimal text, or a numeric(p,s) with p - s as many digits as
    its type's extremes (smallint 5, integer 10, bigint 19): each integer is then that exact number.  Both engines write one text of an integer
    (PostgreSQL's ``::text``, SQLite's rebuild copying an INTEGER into a TEXT column), so nothing is lost; it is no
    widening (plan.WIDENING), since a foreign key between the two kinds cannot stand (sql.py drops it around the
    change) and an integer array's JSON text is not a text array's."""
    if old.enum or new.enum or old.array or new.array or old.kind not in _INT_TEXT_LENGTH:
        return False
    if new.name == "numeric":   # as many integer digits as the type's extremes (the sign is no digit)
        return not new.args or new.args[0] - (new.args[1] if len(new.args) > 1 else 0) >= \
            _INT_TEXT_LENGTH[old.kind] - 1
    return new.name == "text" or (new.name == "varchar" and new.args[0] >= _INT_TEXT_LENGTH[old.kind])


def _changes_values(old: TypeRef, new: TypeRef) -> str:
    """What a type change that does not widen may do to the stored values, as its plan line says."""
    if old.name == new.name == "character" and not (old.enum or new.enum or old.array or new.array) \
            and new.args[0] >= old.args[0]:
        return f"pads every value with spaces to {new.args[0]} characters"   # every value fits, each one changes
    return "may not hold every value"


def plan(old: Manifest, new: Manifest) -> list[Op]:
    ops: list[Op] = []
    old_tables = {t.name: t for t in old.tables}
    paired = _paired(old, new)
    for t in new.tables:
        if t.name in paired and paired[t.name].name != t.name:
            ops.append(Op("rename_table", t.name, old=paired[t.name].name))
    taken = {o.name for o in paired.values()}
    for name, t in old_tables.items():
        if name not in taken:
            ops.append(Op("drop_table", name, destructive="drops the table and its rows"))
    ops += _enums(old, new)
    ops += _named(old.sequences, new.sequences, "sequence", "alter")
    ops += _named(old.functions, new.functions, "function", "replace")
    for t in new.tables:
        if t.name not in paired:
            ops.append(Op("create_table", t.name, new=t))
        else:
            ops += _table(paired[t.name], t, {o.name: n for n, o in paired.items()})
            if _storage_changed(old, new, t):
                ops.append(Op("sqlite_storage", t.name))
    old_search = [t for t in old.tables if t.search]
    new_search = [t for t in new.tables if t.search]
    if ops or old.views != new.views or old.triggers != new.triggers or old.policies != new.policies or \
            [t.search for t in old_search] != [t.search for t in new_search]:
        # Views, triggers, policies and full-text searches are dropped first and created last: the tables
        # they use may be rebuilt or altered in between (searches are refilled from their table when recreated).
        ops = [Op("drop_view", name=v.name, old=v) for v in reversed(old.views)] + \
              [Op("drop_policy", p.table, p.name, old=p) for p in old.policies] + \
              [Op("drop_trigger", tr.table, tr.name, old=tr) for tr in old.triggers] + \
              [Op("drop_search", t.name, t.search.name, old=t) for t in old_search] + ops + \
              [Op("create_search", t.name, t.search.name, new=t) for t in new_search] + \
              [Op("create_trigger", tr.table, tr.name, new=tr) for tr in new.triggers] + \
              [Op("create_view", name=v.name, new=v) for v in new.views] + \
              [Op("create_policy", p.table, p.name, new=p) for p in new.policies]
    return ops


def _continued(olds, news, find) -> dict:
    """Each kept item of ``news`` (by name, in order) -> the item of ``olds`` it continues: the same name, or its
    ``renamed_from`` when ``find`` (a name lookup in the new schema or table) finds no item of that name."""
    by_name = {x.name: x for x in olds}
    out: dict = {}
    for x in news:
        if x.name in by_name:
            out[x.name] = by_name[x.name]
        elif x.renamed_from and x.renamed_from in by_name and find(x.renamed_from) is None:
            out[x.name] = by_name[x.renamed_from]
    return out


def _paired(old: Manifest, new: Manifest) -> dict[str, Table]:
    """Each kept table of ``new`` (by name) -> the old table it continues."""
    return _continued(old.tables, new.tables, new.table)


def _matched(o: Table, n: Table) -> dict[str, Column]:
    """Each kept column of ``n`` (by name, in ``n``'s order) -> the column of ``o`` it continues."""
    return _continued(o.columns, n.columns, n.column)


@dataclass(frozen=True)
class OrderProblem:
    """A kept table whose columns the manifest orders otherwise than any migration can leave them."""
    table: str
    column: Column          # the first column of the manifest out of the built order
    added: bool             # a column the migration adds (else an existing one, moved)
    existing: tuple         # the kept columns (by their new names) in the order the databases hold them
    built: tuple            # the order the chain's databases hold after the migration
    later: tuple            # the kept columns the manifest puts after ``column``
    unlike_snapshot: bool = False   # the chain built the kept columns in another order than its snapshot says

    def message(self) -> str:
        name = self.column.name
        if self.added:
            later = self.later
            return (f'table "{self.table}": column "{name}" is added before existing column'
                    f'{"s" if len(later) > 1 else ""} {", ".join(later)}, but a migration adds a column last '
                    "(ALTER TABLE ADD COLUMN, on PostgreSQL and SQLite), so every database the migration chain "
                    f"builds would hold {', '.join(self.built)}, not the manifest's order; move it after the last "
                    f"existing column, {self.existing[-1]}")
        i = self.existing.index(name)
        where = f"after {self.existing[i - 1]}" if i else "first"
        if self.unlike_snapshot:   # a chain an earlier schemactl wrote (it appended a column the manifest put earlier)
            return (f'table "{self.table}": column "{name}" is not where the migration chain put it: its migrations '
                    f"(PostgreSQL's ADD COLUMN appends) build every database with {', '.join(self.built)}, and no "
                    f"migration reorders columns; put it {where}, as those databases hold it")
        return (f'table "{self.table}": column "{name}" is moved among the existing columns, but no migration '
                "reorders a table's columns (PostgreSQL cannot), so every database the migration chain builds "
                f"holds {', '.join(self.built)}; put it back {where} (new columns go after the existing ones)")


def column_order_problems(old: Manifest, new: Manifest, held: dict | None = None) -> list[OrderProblem]:
    """The kept tables of ``new`` whose column order no migration from ``old`` builds.  PostgreSQL appends an
    added column and never moves one (SQLite's ADD COLUMN appends too; its table rebuild alone could follow
    the manifest), so the chain's databases hold the kept columns in their old order, then the added ones:
    the manifest must say the same, or deep verify and diff (SC207) fail on every database the chain built.
    ``held``: table -> its columns in the order the chain built them (built.chain_column_orders), which wins
    over ``old``'s order where it holds the same columns."""
    found = []
    for name, o in _paired(old, new).items():
        n = new.table(name)
        matched = _matched(o, n)
        back = {oc.name: kept for kept, oc in matched.items()}
        own = tuple(c.name for c in o.columns)
        order = (held or {}).get(o.name)
        order = order if order is not None and sorted(order) == sorted(own) else own
        existing = tuple(back[c] for c in order if c in back)
        built = existing + tuple(c.name for c in n.columns if c.name not in matched)
        names = tuple(c.name for c in n.columns)
        if built == names:
            continue
        first = next(i for i, (a, b) in enumerate(zip(names, built)) if a != b)
        column = n.column(names[first])
        later = tuple(c for c in names[first + 1:] if c in matched)
        found.append(OrderProblem(name, column, column.name not in matched, existing, built, later, order != own))
    return found


def _named(old, new, kind: str, change: str) -> list[Op]:
    """create_<kind> / <change>_<kind> / drop_<kind> of schema-level objects keyed by name."""
    before, after = {x.name: x for x in old}, {x.name: x for x in new}
    ops = [Op(f"drop_{kind}", name=n, old=x) for n, x in before.items() if n not in after]
    for n, x in after.items():
        if n not in before:
            ops.append(Op(f"create_{kind}", name=n, new=x))
        elif before[n] != x:
            ops.append(Op(f"{change}_{kind}", name=n, old=before[n], new=x))
    return ops


def _storage_changed(old: Manifest, new: Manifest, t: Table) -> bool:
    """Manifest-level SQLite storage choices (type spellings, timestamptz convention) that touch ``t``."""
    names = {c.type.name for c in t.columns if not c.type.enum}
    before = {ty: v for e, ty, v in old.spell if e == "sqlite"}
    after = {ty: v for e, ty, v in new.spell if e == "sqlite"}
    if any(before.get(n) != after.get(n) for n in names):
        return True
    return old.time_storage != new.time_storage and "timestamptz" in names


def _enums(old: Manifest, new: Manifest) -> list[Op]:
    ops = []
    olds = {e.name: e for e in old.enums}
    for e in new.enums:
        o = olds.get(e.name)
        if o is None:
            ops.append(Op("create_enum", name=e.name, new=e.values))
        elif o.values != e.values:
            kept = [v for v in e.values if v in o.values]
            if tuple(kept) == o.values:
                for v in e.values:
                    if v not in o.values:
                        ops.append(Op("add_enum_value", name=e.name, new=v, old=e.values))
            else:
                ops.append(Op("change_enum_values", name=e.name, old=o.values, new=e.values,
                              destructive="removing or reordering enum values rewrites every row that uses them"))
    for name in olds:
        if new.enum(name) is None:
            ops.append(Op("drop_enum", name=name, destructive="drops the enum type"))
    return ops


def _renamed(x, name: str, tables: dict, columns: dict):
    """``x`` (a key, check or index of the old table) as it reads after the table and column renames, named
    ``name``: equal to the new table's item when only its name changed (PostgreSQL's renames carry the rest)."""
    changes = {"name": name}
    if hasattr(x, "columns"):
        changes["columns"] = tuple(columns.get(c, c) if isinstance(c, str) else
                                   dataclasses.replace(c, name=columns.get(c.name, c.name)) if c.expr is None else c
                                   for c in x.columns)
    if hasattr(x, "ref_table"):
        changes["ref_table"] = tables.get(x.ref_table, x.ref_table)
    return dataclasses.replace(x, **changes)


def _generated_renamed(old, new, columns: dict) -> bool:
    """``new`` is ``old`` with the columns it reads renamed by ``columns`` (old name -> new), on every engine."""
    import sqlglot
    from sqlglot import exp
    if old is None or new is None or old.stored != new.stored or \
            sorted(e for e, _ in old.expr.sql) != sorted(e for e, _ in new.expr.sql):
        return False
    for engine, sql in old.expr.sql:
        try:
            was, now = (sqlglot.parse_one(text, read=engine) for text in (sql, new.expr.on(engine)))
        except sqlglot.errors.ParseError:
            return False
        for col in was.find_all(exp.Column):
            if col.name in columns:
                col.set("this", exp.to_identifier(columns[col.name]))
        if was.sql(dialect=engine, identify=True) != now.sql(dialect=engine, identify=True):
            return False
    return True


def _table(o: Table, n: Table, tables: dict | None = None) -> list[Op]:
    """Operations that take the old table ``o`` to ``n``; ``tables``: old table name -> new (renamed ones)."""
    tables = tables or {}
    ops = []
    matched = _matched(o, n)
    ops += [Op("rename_column", n.name, name, old=oc.name) for name, oc in matched.items() if oc.name != name]
    used = {c.name for c in matched.values()}
    for c in o.columns:
        if c.name not in used:
            ops.append(Op("drop_column", n.name, c.name, destructive="drops the column and its values"))
    for c in n.columns:
        oc = matched.get(c.name)
        if oc is None:
            reason = None
            if not c.nullable and c.default is None and not c.identity:
                reason = "adds a NOT NULL column without a default (existing rows have no value)"
            ops.append(Op("add_column", n.name, c.name, new=c, destructive=reason))
            continue
        ops += _column(n, oc, c)
    # A key, check or index whose only change is its name (the name derived from a renamed table or column:
    # flows_pkey -> workflows_pkey) is renamed, not dropped and made again (rebuilding its index, checking every
    # row, and dropping and adding the foreign keys that use it); a foreign key changed only by the renamed
    # table it references needs nothing.
    columns = {op.old: op.name for op in ops if op.kind == "rename_column"}   # the renames this plan makes
    retyped = {op.name for op in ops if op.kind == "alter_type" and not read_alike(op.old, op.new)}
    # a generated column whose expression changed only by a column renamed here: both engines' RENAME COLUMN
    # rewrite it (PostgreSQL refuses any other change in place)
    ops = [op for op in ops if not (op.kind == "set_generated" and columns
                                    and _generated_renamed(op.old, op.new.generated, columns))]
    if o.primary_key != n.primary_key:
        if o.primary_key and n.primary_key and \
                _renamed(o.primary_key, n.primary_key.name, tables, columns) == n.primary_key:
            ops.append(Op("rename_constraint", n.name, n.primary_key.name, old=o.primary_key, new=n.primary_key))
        else:
            ops.append(Op("set_primary_key", n.name, old=o.primary_key, new=n.primary_key))
    for kind, attr in (("unique", "uniques"), ("foreign_key", "foreign_keys"), ("check", "checks"),
                       ("index", "indexes")):
        before = {x.name: x for x in getattr(o, attr)}
        after = {x.name: x for x in getattr(n, attr)}
        gone = {name: x for name, x in before.items() if after.get(name) != x}
        made = {name: x for name, x in after.items() if before.get(name) != x}
        for name, x in list(gone.items()):
            twin = made.get(name)
            if twin is not None and _renamed(x, name, tables, columns) == twin:
                del gone[name], made[name]   # references a renamed table or column: carried by the renames
                continue
            twin = next((y for y in made.values() if _renamed(x, y.name, tables, columns) == y), None)
            if twin is not None:
                del gone[name], made[twin.name]
                ops.append(Op("rename_index" if kind == "index" else "rename_constraint", n.name, twin.name,
                              old=x, new=twin))
        if retyped and kind in ("check", "index"):   # kept, but over a column whose type changes: made again
            for name, x in after.items():
                if name in before and name not in gone and name not in made and _reads(x, retyped):
                    gone[name], made[name] = before[name], x
        ops += [Op(f"drop_{kind}", n.name, name, old=x) for name, x in gone.items()]
        ops += [Op(f"add_{kind}", n.name, name, new=x) for name, x in made.items()]
    if (o.row_level_security, o.force_row_level_security) != (n.row_level_security, n.force_row_level_security):
        ops.append(Op("set_row_security", n.name, old=o, new=n))
    if (o.strict, o.without_rowid) != (n.strict, n.without_rowid):
        ops.append(Op("table_options", n.name, old=(o.strict, o.without_rowid), new=(n.strict, n.without_rowid)))
    if o.comment != n.comment:
        ops.append(Op("set_comment", n.name, None, old=o.comment, new=n.comment))
    return ops


def _column(t: Table, o: Column, n: Column) -> list[Op]:
    ops = []
    if o.identity and not n.identity:
        # before the type change: PostgreSQL refuses a type no identity has while the column is one
        # ("identity column type must be smallint, integer, or bigint")
        ops.append(Op("set_identity", t.name, n.name, old=o.identity, new=n.identity))
    if o.type != n.type:
        reason = None if widens(o.type, n.type) or keeps_values(o.type, n.type) else \
            f"{_t(o.type)} -> {_t(n.type)} {_changes_values(o.type, n.type)}"
        ops.append(Op("alter_type", t.name, n.name, old=o.type, new=n.type, destructive=reason))
    if o.nullable and not n.nullable:
        reason = None if n.default is not None else "NOT NULL on a column without a default fails on NULL rows"
        ops.append(Op("set_not_null", t.name, n.name, new=n, destructive=reason))
    elif not o.nullable and n.nullable:
        ops.append(Op("drop_not_null", t.name, n.name, new=n))
    if not _same(o.default, n.default):
        ops.append(Op("set_default", t.name, n.name, old=o.default, new=n))
    if o.identity != n.identity and n.identity:   # after the type change: an identity needs its integer type
        ops.append(Op("set_identity", t.name, n.name, old=o.identity, new=n.identity))
    if o.comment != n.comment:
        ops.append(Op("set_comment", t.name, n.name, old=o.comment, new=n.comment))
    if o.generated != n.generated:
        ops.append(Op("set_generated", t.name, n.name, old=o.generated, new=n))
    return ops


def _same(a, b) -> bool:
    """Equal and of the same types all the way down: Python takes False == 0 and True == 1.0, a default
    does not (false on a boolean is not 0 on an integer)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a) if f.compare)
    return a == b


def destructive(ops: list[Op]) -> list[Op]:
    return [op for op in ops if op.destructive]


def enum_values_first(old: Manifest, new: Manifest, ops: list[Op]) -> Manifest | None:
    """The schema with only the added enum values, when the change also does something else.

    PostgreSQL refuses to use an enum value added in the same transaction ("unsafe use of new
    value"), and every migration is one transaction: a default, check, index, view or trigger
    using the new value would fail there forever while SQLite applies it.  So values added to
    existing enums go into a migration of their own, committed before anything that may use them.
    None when no split is needed.
    """
    added = {op.name for op in ops if op.kind == "add_enum_value"}
    if not added:
        return None
    from dataclasses import replace
    mid = replace(old, enums=tuple(new.enum(e.name) if e.name in added else e for e in old.enums))
    return mid if plan(mid, new) else None
