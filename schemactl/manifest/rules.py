"""Semantic rules over a built manifest, and foreign-key dependency order."""

from __future__ import annotations

import functools
from dataclasses import replace

from ..naming import PG_MAX_IDENT_BYTES, suggest, too_long
from . import pragmas, rules_names, rules_views
from .model import Check, ForeignKey, Index, Manifest, PrimaryKey, Search, Table, Unique


def check(m: Manifest, problems, engines=None) -> None:
    """``engines``: what enginecheck reported of this model's tables, columns, expressions, views and enums,
    recorded (enginecheck.recorded) from a model that differs from it in drizzle: blocks at most (which it
    does not read), or a function that returns it (or None: checked here): reported instead of checking
    again."""
    tables = {t.name: t for t in m.tables}
    _names(m, problems)
    rules_names.check(m, problems)
    pragmas.check(m, problems)
    _views(m, tables, problems)
    rules_views.check(m, problems)
    for tr in m.triggers:
        _trigger(m, tr, tables, problems)
    _functions(m, problems)
    _sequences(m, tables, problems)
    _ts_aliases(m, problems)
    for t in m.tables:
        _columns_exist(t, problems)
        _indexable(t, problems)
        _ts_types(t, problems)
        _identity(t, problems)
        _generated(t, problems)
        _keys(t, problems)
        _search(t, problems)
        for fk in t.foreign_keys:
            _foreign_key(t, fk, tables, problems, m.absent, _written(m))
    if not problems.errors and not getattr(problems, "released", False):
        # only a manifest that is otherwise sound (the engines would say the same twice), and not a released
        # snapshot (the engines took it; a later schemactl's stricter verdicts must not break its chain)
        from . import enginecheck
        engines = engines() if callable(engines) else engines
        if engines is not None:
            enginecheck.replay(engines, problems)
        else:
            enginecheck.check(m, problems)


def _trigger(m: Manifest, tr, tables: dict, problems) -> None:
    where = f'trigger "{tr.name}"'
    _too_long(tr.name, "trigger", tr.path, problems)
    if tr.table not in tables:
        hint = suggest(tr.table, list(tables))
        problems.add(tr.path + ("table",), f'{where} is on missing table "{tr.table}"'
                                           + (f' (did you mean "{hint}"?)' if hint else ""))
    pg_body = tr.body.on("postgres")
    if pg_body is not None:
        _too_long(tr.name + "_fn", "trigger function", tr.path, problems)
        if "$schemactl$" in pg_body:
            problems.add(tr.path + ("do",), f'{where}: statements must not contain "$schemactl$"')
        # a function PostgreSQL does not have fails every row the trigger fires on, long after the deploy (a
        # SQLite file's unixepoch() imported into the body); a name before "(" that is a table or view is not
        # a call (INSERT INTO audit (…))
        from .enginecheck import pg_unknown_functions
        named = frozenset({f.name.lower() for f in m.functions} | {t.lower() for t in tables}
                          | {v.name.lower() for v in m.views})
        missing = pg_unknown_functions(pg_body, named)
        if missing:
            problems.add(tr.path + ("do",), f"{where}: PostgreSQL has no function {missing[0]}(); give each engine "
                                            'its own form: {postgres: "…", sqlite: "…"}')
    if tr.function is not None:
        functions = {f.name for f in m.functions}
        if pg_body is not None:
            problems.add(tr.path + ("function",), f"{where}: give PostgreSQL either do.postgres or function, not "
                                                  "both")
        elif tr.function not in functions:
            hint = suggest(tr.function, list(functions))
            problems.add(tr.path + ("function",), f'{where} calls function "{tr.function}", which is not declared '
                                                  "under functions:" + (f' (did you mean "{hint}"?)' if hint else ""))
        elif tr.function == tr.name + "_fn":
            problems.add(tr.path + ("function",), f'{where}: "{tr.function}" is the name schemactl gives the '
                                                  "function of a trigger with do.postgres; rename the function")
    if not tr.engines:
        problems.add(tr.path, f"{where}: give do: statements or function: (a trigger needs a body)", key=True)
    if tr.on("sqlite") and " or " in tr.event:
        problems.add(tr.path + ("on",), f"{where}: SQLite triggers fire on one event; keep one, or give the "
                                        "trigger for PostgreSQL only (function: or do.postgres)")
    if tr.on("sqlite") and tr.each == "statement":
        problems.add(tr.path + ("for_each",), f"{where}: SQLite has only FOR EACH ROW triggers; give the "
                                              "statement trigger for PostgreSQL only")
    if tr.when is not None:
        missing = [e for e in tr.engines if tr.when.on(e) is None]
        if missing:
            problems.add(tr.path + ("when",), f"{where}: when: give the condition for {' and '.join(missing)} too")


def _functions(m: Manifest, problems) -> None:
    taken = {tr.name + "_fn" for tr in m.triggers if tr.body.on("postgres") is not None}
    for f in m.functions:
        _too_long(f.name, "function", f.path, problems)
        if f.name in taken:
            problems.add(f.path, f'function "{f.name}" has the name schemactl gives a trigger\'s own function; '
                                 "rename it", key=True)


_SEQUENCE_RANGE = {"smallint": (-2 ** 15, 2 ** 15 - 1), "integer": (-2 ** 31, 2 ** 31 - 1),
                   "bigint": (-2 ** 63, 2 ** 63 - 1)}


def _sequences(m: Manifest, tables: dict, problems) -> None:
    names = {s.name for s in m.sequences}
    for s in m.sequences:
        where = f'sequence "{s.name}"'
        _too_long(s.name, "sequence", s.path, problems)
        if s.name in tables:
            problems.add(s.path, f"{where} has the name of a table; PostgreSQL keeps both in one namespace",
                         key=True)
        if s.increment == 0:
            problems.add(s.path + ("increment",), f"{where}: increment must not be 0")
        low, high = _SEQUENCE_RANGE[s.type]
        for key, value in (("start", s.start), ("min", s.min_value), ("max", s.max_value)):
            if value is not None and not low <= value <= high:
                problems.add(s.path + (key,), f"{where}: {key} {value} does not fit {s.type}")
        if s.min_value is not None and s.max_value is not None and s.min_value >= s.max_value:
            problems.add(s.path + ("min",), f"{where}: min must be less than max")
        if s.owned_by is not None:
            table, column = s.owned_by.split(".", 1)
            t = tables.get(table)
            if t is None or t.column(column) is None:
                problems.add(s.path + ("owned_by",), f'{where} is owned by missing column "{s.owned_by}"')
    for t in m.tables:
        for c in t.columns:
            if c.default is not None and c.default.kind == "nextval" and c.default.value not in names:
                hint = suggest(c.default.value, list(names))
                problems.add(c.path + ("default",), f'table "{t.name}", column "{c.name}": default nextval of '
                             f'sequence "{c.default.value}", which is not declared under sequences:'
                             + (f' (did you mean "{hint}"?)' if hint else ""))


def _generated(t, problems) -> None:
    """A generated column is computed from plain columns of its own row: no default, no identity, no key."""
    keys = set(t.primary_key.columns) if t.primary_key else set()
    for c in t.columns:
        if c.generated is None:
            continue
        where = f'table "{t.name}", column "{c.name}": generated'
        path = c.path + ("generated",)
        if c.default is not None or c.identity:
            problems.add(path, f"{where} column cannot also have a {'default' if c.default else 'identity'}; "
                               "drop one")
        if c.name in keys:
            problems.add(path, f"{where} column cannot be part of the primary key (SQLite refuses it)")
        for used in c.generated.expr.columns:
            other = t.column(used)
            if other is None:
                _missing(t, used, path, f'column "{c.name}" generated expression', problems)
            elif other.generated is not None:
                problems.add(path, f'{where} expression reads generated column "{used}"; PostgreSQL refuses '
                                   "that: compute it from plain columns")


def _too_long(name: str, what: str, path, problems) -> None:
    if too_long(name):
        problems.add(path, f'{what} "{name}" is {len(name.encode())} bytes; PostgreSQL allows '
                           f"{PG_MAX_IDENT_BYTES}: choose a shorter name", key=True)


def _names(m: Manifest, problems) -> None:
    """Identifier length, and one namespace for every named schema object.

    PostgreSQL keeps tables, indexes and key constraints in one namespace per
    schema; schemactl also keeps check and foreign key names unique across the
    schema so that every object has one stable name on both engines.
    """
    from ..types import TYPES
    views = {v.name for v in m.views}
    for e in m.enums:
        _too_long(e.name, "enum", e.path, problems)
        if e.name in TYPES:
            problems.add(e.path, f'enum "{e.name}" has the name of a portable type; rename it', key=True)
        if e.name in views:
            problems.add(e.path, f'enum "{e.name}" has the name of a view; PostgreSQL types and views share one '
                                 "namespace: rename one", key=True)
        if e.name in {t.name for t in m.tables}:
            problems.add(e.path, f'enum "{e.name}" has the name of a table; PostgreSQL types and tables share '
                                 "one namespace: rename one", key=True)
    if m.pg_schema:
        _too_long(m.pg_schema, "schema", ("postgres", "schema"), problems)
    seen: dict[str, tuple] = {}
    for t in m.tables:
        _too_long(t.name, "table", t.path, problems)
        seen.setdefault(t.name, t.path)
        for c in t.columns:
            _too_long(c.name, "column", c.path, problems)
    # Two namespaces, as the engines have them: index names (a primary key's and a unique constraint's are
    # index names on PostgreSQL) are one per schema, shared with tables; constraint names are one per table,
    # so two tables may each have a CHECK or a foreign key of the same name (pg_dumps do).
    for t in m.tables:
        own: dict[str, tuple] = {}
        objects = [x for x in (t.primary_key, t.search) if x] + list(t.uniques) + list(t.foreign_keys) \
            + list(t.checks) + list(t.indexes)
        for obj in objects:
            _too_long(obj.name, "name", obj.path, problems)
            if obj.name in views:
                problems.add(m.views[[v.name for v in m.views].index(obj.name)].path,
                             f'view "{obj.name}" has the name of an index or constraint; rename one', key=True)
            spaces = [seen if n == "schema" else own for n in _spaces_of(type(obj))]
            if any(obj.name in space and space[obj.name] != obj.path for space in spaces):
                kind = type(obj).__name__.lower().replace("foreignkey", "foreign key").replace("primarykey",
                                                                                              "primary key")
                problems.add(obj.path, f'table "{t.name}": {kind} name "{obj.name}" is already used by another '
                                       "object; give it a distinct name")
            else:
                for space in spaces:
                    space[obj.name] = obj.path


# which name space each kind of object's name lives in: the schema's (with tables) or its table's
_NAMESPACES = {"schema": (PrimaryKey, Unique, Index, Search), "table": (PrimaryKey, Unique, ForeignKey, Check)}


@functools.cache
def _spaces_of(kind: type) -> tuple[str, ...]:
    """The name spaces of _NAMESPACES an object of ``kind`` is named in (a few kinds, thousands of objects)."""
    return tuple(n for n, kinds in _NAMESPACES.items() if issubclass(kind, kinds))


def _missing(t: Table, col: str, path, what: str, problems) -> None:
    if t.column(col) is None and (t.name, col) not in getattr(problems, "unbuilt", ()):
        hint = suggest(col, [c.name for c in t.columns])
        problems.add(path, f'table "{t.name}": {what} refers to missing column "{col}"'
                           + (f' (did you mean "{hint}"?)' if hint else ""))


def _columns_exist(t: Table, problems) -> None:
    if t.primary_key:
        for c in t.primary_key.columns:
            _missing(t, c, t.primary_key.path, "primary key", problems)
        for c in t.primary_key.columns:
            col = t.column(c)
            if col and col.nullable and col.path:
                problems.add(col.path + ("nullable",), f'table "{t.name}": primary key column "{c}" cannot be '
                                                       "nullable")
    for u in t.uniques:
        for c in u.columns:
            _missing(t, c, u.path, f'unique constraint "{u.name}"', problems)
    for fk in t.foreign_keys:
        for c in fk.columns:
            _missing(t, c, fk.path, f'foreign key "{fk.name}"', problems)
    for ck in t.checks:
        for c in ck.expr.columns:
            if "." in c:
                problems.add(ck.path, f'table "{t.name}": check "{ck.name}" refers to column "{c}" of another table')
                continue
            _missing(t, c, ck.path, f'check "{ck.name}"', problems)
    for ix in t.indexes:
        names = [c.name for c in ix.columns if c.expr is None]
        for c in names:
            _missing(t, c, ix.path, f'index "{ix.name}"', problems)
        for c in [c for c in ix.columns if c.expr is not None]:
            for used in c.expr.columns:
                _missing(t, used, ix.path, f'index "{ix.name}" expression', problems)
        if (ix.method != "btree" or any(c.opclass for c in ix.columns)) and ix.engines != ("postgres",):
            what = f"method {ix.method}" if ix.method != "btree" else "an operator class"
            problems.add(ix.path, f'table "{t.name}": index "{ix.name}" uses {what}, which only PostgreSQL has; '
                                  "add `engines: [postgres]` (and, if SQLite needs one, a second index for it)")
        dups = sorted({c for c in names if names.count(c) > 1})
        if dups:
            problems.add(ix.path, f'table "{t.name}": index "{ix.name}" lists column "{dups[0]}" twice')
        if ix.where:
            for c in ix.where.columns:
                _missing(t, c, ix.path + ("where",), f'index "{ix.name}" where', problems)
    for group, what in [(t.primary_key, "primary key")] + [(u, "unique constraint") for u in t.uniques] + \
            [(f, "foreign key") for f in t.foreign_keys]:
        if group and len(set(group.columns)) != len(group.columns):
            twice = next(c for c in group.columns if group.columns.count(c) > 1)
            problems.add(group.path, f'table "{t.name}": {what} "{group.name}" lists column "{twice}" twice')


def _indexable(t: Table, problems) -> None:
    """Keys and indexes only on types PostgreSQL can compare with a btree (not json)."""
    groups = [(t.primary_key, "primary key")] if t.primary_key else []
    groups += [(u, f'unique constraint "{u.name}"') for u in t.uniques]
    groups += [(ix, f'index "{ix.name}"') for ix in t.indexes if ix.method == "btree"]
    for obj, what in groups:
        for name in [c if isinstance(c, str) else c.name for c in obj.columns if isinstance(c, str) or not c.expr]:
            col = t.column(name)
            if col is not None and col.type.array:
                problems.add(obj.path, f'table "{t.name}": {what} uses column "{name}" of type '
                                       f"{col.type.spelled()}: an array is JSON text on SQLite, where equal arrays "
                                       "need not be equal text; index it with method: gin, engines: [postgres]")
            elif col is not None and not col.type.enum and not col.type.row.btree:
                problems.add(obj.path, f'table "{t.name}": {what} uses column "{name}" of type '
                                       f"{col.type.spelled()}, which PostgreSQL cannot index; use jsonb")


def _ts_types(t: Table, problems) -> None:
    for c in t.columns:
        if c.ts_type and (c.type.enum or c.type.row.value != "json"):
            problems.add(c.path + ("ts_type",), f'table "{t.name}", column "{c.name}": ts_type applies to json and '
                                                f"jsonb columns, not {c.type.spelled()}")
        for key, text in (("ts_type",), c.ts_type), (("drizzle", "type"), c.drizzle and c.drizzle.type):
            why = ts_type_problem(text) if text else None
            if why:
                problems.add(c.path + key, f'table "{t.name}", column "{c.name}": {".".join(key)} is written into '
                                           f"the generated files as .$type<…>(), and {why}: write the type alone "
                                           "(a name, or one declared in a module the file imports)")


def _ts_aliases(m: Manifest, problems) -> None:
    """The team's type aliases (drizzle.types), written as export type <name><params> = <type>;."""
    for name, params, ts, _ in (m.drizzle.types if m.drizzle else ()):
        for key, text, alone in (("params", params, False), ("type", ts, True)):
            why = ts_type_problem(text, alone) if text else None
            if key == "params" and text and not why and not (text.startswith("<") and text.endswith(">")):
                why = "it is not one <…> list"
            if why:
                problems.add(("drizzle", "types", name, key),
                             f'drizzle.types.{name}.{key} is written into the generated files as export type '
                             f"{name}<params> = <type>;, and {why}: write the type alone")


_TS_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


def ts_type_problem(text: str, alone: bool = False) -> str | None:
    """Why ``text`` is not a TypeScript type that stays inside ``.$type<…>()`` (None when it is): its brackets
    must nest (outside string literals and the text of template literal types; ``=>`` is an arrow), and it
    holds no comment.  A ts_type such as ``unknown>(), x: json((require("fs")…), "p")).$type<unknown`` closed
    the type argument and put code in the generated file, which runs where the schema module is loaded.
    ``alone``: the type is a declaration's whole right-hand side, where a ';' or a line break outside brackets
    would end it."""
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if stack and stack[-1] == "`":   # the text of a template literal type: ${ … } holds a type
            if ch == "\\":
                i += 2
                continue
            if ch == "`":
                stack.pop()
            elif text.startswith("${", i):
                stack.append("{")
                i += 1
            i += 1
            continue
        if ch in "'\"":
            end = i + 1
            while end < n and text[end] != ch:
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                return "a string literal in it is not closed"
            i = end + 1
            continue
        if text.startswith(("//", "/*"), i):
            return "it holds a comment"
        if ch == "=" and text.startswith("=>", i):
            i += 2
            continue
        if alone and not stack and ch in ";\n\r\u2028\u2029":
            return "it holds a ';' or a line break outside its brackets, which would end the declaration"
        if ch in "([{<`":
            stack.append(ch)
        elif ch in _TS_PAIRS:
            if not stack or stack.pop() != _TS_PAIRS[ch]:
                return f"its '{ch}' at character {i + 1} closes what it did not open"
        i += 1
    return f"its '{stack[-1]}' is not closed" if stack else None


def _identity(t: Table, problems) -> None:
    for c in t.columns:
        if not c.identity:
            continue
        where = f'table "{t.name}", column "{c.name}": identity'
        if c.type.enum or not c.type.row.identity_ok:
            problems.add(c.path + ("identity",), f"{where} needs an integer type (smallint, integer, bigint), "
                                                 f"not {c.type.spelled()}")
        elif not t.primary_key or t.primary_key.columns != (c.name,):
            problems.add(c.path + ("identity",), f"{where} column must be the table's whole primary key "
                                                 "(SQLite AUTOINCREMENT works only on INTEGER PRIMARY KEY)")
        if c.default is not None:
            problems.add(c.path + ("default",), f"{where} columns take no default")
        if t.without_rowid:
            problems.add(c.path + ("identity",), f"{where} is not possible in a WITHOUT ROWID table")


def _search(t: Table, problems) -> None:
    if t.search is None:
        return
    for c in t.search.columns:
        _missing(t, c, t.search.path, f'search "{t.search.name}"', problems)
        col = t.column(c)
        if col is not None and (col.type.enum or col.type.row.value != "text"):
            problems.add(t.search.path, f'table "{t.name}": search "{t.search.name}" covers "{c}" of type '
                                        f"{col.type.spelled()}; full-text search needs text columns")
    if t.without_rowid:
        problems.add(t.search.path, f'table "{t.name}": search needs a rowid table (FTS5 external content); '
                                    "drop without_rowid")


def _keys(t: Table, problems) -> None:
    if t.without_rowid and not t.primary_key:
        problems.add(t.path + ("sqlite", "without_rowid"), f'table "{t.name}": WITHOUT ROWID tables need a '
                                                           "primary key")


def _is_key(t: Table, cols: tuple[str, ...]) -> bool:
    keys = [t.primary_key.columns] if t.primary_key else []
    keys += [u.columns for u in t.uniques]
    keys += [i.columns and tuple(c.name for c in i.columns) for i in t.indexes
             if i.unique and not i.where and not any(c.expr for c in i.columns) and len(i.engines) == 2]
    return any(set(k) == set(cols) and len(k) == len(cols) for k in keys)


def _written(m: Manifest):
    """Whether the manifest's text declares column ``c`` of table ``t`` (one whose own problem, an unknown
    type, say, kept it out of the model: a reference to it is no second problem)."""
    data = getattr(m.located, "data", None)

    def written(t: str, c: str) -> bool:
        try:
            return c in data["tables"][t]["columns"]
        except (TypeError, KeyError):
            return False
    return written


def _foreign_key(t: Table, fk, tables: dict, problems, absent=(), written=lambda t, c: False) -> None:
    target = tables.get(fk.ref_table)
    gated = dict(absent or ())
    if target is None and fk.ref_table in gated:
        problems.add(fk.path, f'table "{t.name}": foreign key "{fk.name}" references table "{fk.ref_table}", which '
                              f'exists only with feature "{gated[fk.ref_table]}"')
        return
    if target is None:
        hint = suggest(fk.ref_table, list(tables))
        problems.add(fk.path, f'table "{t.name}": foreign key "{fk.name}" references missing table '
                              f'"{fk.ref_table}"' + (f' (did you mean "{hint}"?)' if hint else ""))
        return
    if len(fk.columns) != len(fk.ref_columns):
        problems.add(fk.path, f'table "{t.name}": foreign key "{fk.name}" has {len(fk.columns)} column(s) but '
                              f"references {len(fk.ref_columns)}")
        return
    ok = True
    for mine, theirs in zip(fk.columns, fk.ref_columns):
        tcol = target.column(theirs)
        if tcol is None and written(fk.ref_table, theirs):
            ok = False   # the column is declared; its own problem is reported where it is
            continue
        if tcol is None:
            hint = suggest(theirs, [c.name for c in target.columns])
            problems.add(fk.path, f'table "{t.name}": foreign key "{fk.name}" references missing column '
                                  f'"{fk.ref_table}.{theirs}"' + (f' (did you mean "{hint}"?)' if hint else ""))
            ok = False
            continue
        col = t.column(mine)
        if col and col.type != tcol.type and _comparable(col.type, tcol.type):
            problems.warn(fk.path, f'table "{t.name}": foreign key "{fk.name}": column "{mine}" is '
                                   f'{col.type.spelled()} but "{fk.ref_table}.{theirs}" is {tcol.type.spelled()}; '
                                   "both engines accept this, but only values that fit both types can match: "
                                   "consider making the types equal")
        elif col and col.type != tcol.type:
            problems.add(fk.path, f'table "{t.name}": foreign key "{fk.name}": column "{mine}" is '
                                  f'{col.type.spelled()} but "{fk.ref_table}.{theirs}" is {tcol.type.spelled()}; '
                                  "make the types equal")
            ok = False
        if col and "set null" in (fk.on_delete, fk.on_update) and not col.nullable:
            problems.add(fk.path, f'table "{t.name}": foreign key "{fk.name}" sets "{mine}" to NULL but the '
                                  "column is not nullable")
        if col and "set default" in (fk.on_delete, fk.on_update) and col.default is None and not col.nullable:
            problems.add(fk.path, f'table "{t.name}": foreign key "{fk.name}" sets "{mine}" to its default but '
                                  "the column has none")
    if ok and not _is_key(target, fk.ref_columns):
        problems.add(fk.path, f'table "{t.name}": foreign key "{fk.name}" must reference a primary key or unique '
                              f'constraint; ({", ".join(fk.ref_columns)}) of "{fk.ref_table}" is neither')


def _comparable(a, b) -> bool:
    """Both engines compare values of these two types (e.g. varchar(128) and varchar(64), integer and bigint)."""
    from ..types import COMPARABLE
    if a.enum or b.enum:
        return False
    fa, fb = COMPARABLE.get(a.row.value), COMPARABLE.get(b.row.value)
    return fa is not None and fa == fb


def _views(m: Manifest, tables: dict, problems) -> None:
    names = set(tables) | {v.name for v in m.views}
    for v in m.views:
        _too_long(v.name, "view", v.path, problems)
        if v.name in tables:
            problems.add(v.path, f'view "{v.name}" has the name of a table; rename one', key=True)
        for t in v.tables:
            if t not in names:
                hint = suggest(t, sorted(names))
                problems.add(v.path + ("sql",), f'view "{v.name}" reads missing table or view "{t}"'
                                                + (f' (did you mean "{hint}"?)' if hint else ""))


def _ordered_views(m: Manifest) -> tuple:
    by_name = {v.name: v for v in m.views}
    done, seen = [], set()

    def visit(v, stack=()):
        if v.name in seen or v.name in stack:
            return
        for dep in v.tables:
            if dep in by_name:
                visit(by_name[dep], stack + (v.name,))
        seen.add(v.name)
        done.append(v)

    for name in sorted(by_name):
        visit(by_name[name])
    return tuple(done)


def ordered(m: Manifest) -> Manifest:
    """Tables in foreign-key dependency order, ties broken by name.

    A cycle is broken at the alphabetically first table still waiting; the
    renderers add such forward references after all tables exist.
    """
    import heapq
    by_name = {t.name: t for t in m.tables}
    waiting_on = {t.name: {fk.ref_table for fk in t.foreign_keys if fk.ref_table != t.name} & by_name.keys()
                  for t in m.tables}
    dependents: dict[str, list[str]] = {n: [] for n in by_name}
    for name, deps in waiting_on.items():
        for d in deps:
            dependents[d].append(name)
    ready = [n for n, deps in waiting_on.items() if not deps]
    heapq.heapify(ready)
    done: list[str] = []
    placed: set[str] = set()
    while len(done) < len(by_name):
        if not ready:  # a cycle: release the alphabetically first waiting table
            heapq.heappush(ready, min(n for n in by_name if n not in placed))
        name = heapq.heappop(ready)
        if name in placed:
            continue
        placed.add(name)
        done.append(name)
        for dep in dependents[name]:
            waiting_on[dep].discard(name)
            if not waiting_on[dep] and dep not in placed:
                heapq.heappush(ready, dep)
    return replace(m, tables=tuple(by_name[n] for n in done), views=_ordered_views(m))
