"""Comparing an expected catalog with an actual one: a list of findings.

Objects are keyed by name.  Where an engine keeps no name (SQLite's inline
UNIQUE, unnamed CHECK or FOREIGN KEY clauses), constraints are matched by
their content instead, so a database built from someone else's DDL can still
be compared.  Each finding has a stable code from ``CODES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalog, CTable
from .manifest.rules_names import BOOKKEEPING_TABLES
from .normalize import casts_kept, default_key

# Stable finding codes: code -> (title, what it means).  The README's table is checked against this.
CODES = {
    "SC101": ("table-missing", "a table of the manifest does not exist"),
    "SC102": ("table-extra", "the database has a table the manifest does not declare"),
    "SC103": ("table-option", "a table option differs (SQLite STRICT / WITHOUT ROWID)"),
    "SC104": ("row-level-security", "a table's row-level security (enabled / forced) differs (PostgreSQL)"),
    "SC105": ("beyond-manifest", "the database holds what no manifest declares: an EXCLUDE constraint, INCLUDE "
                                 "columns, NULLS NOT DISTINCT, a key's own collation, a DEFERRABLE unique key, "
                                 "MATCH FULL, ON DELETE SET NULL (columns), a NOT VALID foreign key, an UNLOGGED "
                                 "table, a trigger's arguments or UPDATE OF columns, a disabled (or ENABLE REPLICA "
                                 "/ ALWAYS) trigger, a view's options (WITH CHECK OPTION, security_barrier, "
                                 "security_invoker), storage parameters (WITH (fillfactor=…), a column's SET "
                                 "STORAGE), a comment on an index, constraint, sequence, trigger, policy, enum or "
                                 "function, … (PostgreSQL); a column's COLLATE (SQLite)"),
    "SC201": ("column-missing", "a column of the manifest does not exist"),
    "SC202": ("column-extra", "the table has a column the manifest does not declare"),
    "SC203": ("column-type", "a column's type differs"),
    "SC204": ("column-nullable", "a column's nullability differs"),
    "SC205": ("column-default", "a column's default differs"),
    "SC206": ("column-identity", "identity / autoincrement differs"),
    "SC207": ("column-order", "columns are in another order"),
    "SC208": ("column-generated", "a generated column's expression or storage (stored / virtual) differs"),
    "SC209": ("comment", "a table's, column's or view's comment in the database differs from the manifest's "
                        "(PostgreSQL)"),
    "SC301": ("primary-key", "the primary key differs or is missing"),
    "SC311": ("unique-missing", "a unique constraint is missing"),
    "SC312": ("unique-extra", "the table has an undeclared unique constraint"),
    "SC321": ("foreign-key-missing", "a foreign key is missing"),
    "SC322": ("foreign-key-extra", "the table has an undeclared foreign key"),
    "SC323": ("foreign-key-action", "a foreign key's ON DELETE / ON UPDATE differs"),
    "SC324": ("foreign-key-deferrable", "a foreign key's DEFERRABLE / INITIALLY DEFERRED differs"),
    "SC331": ("check-missing", "a CHECK constraint is missing"),
    "SC332": ("check-extra", "the table has an undeclared CHECK constraint"),
    "SC333": ("check-changed", "a CHECK constraint's expression differs"),
    "SC341": ("index-missing", "an index is missing"),
    "SC342": ("index-extra", "the table has an undeclared index"),
    "SC343": ("index-columns", "an index's columns or their order (ASC/DESC) differ"),
    "SC344": ("index-unique", "an index's uniqueness differs"),
    "SC345": ("index-predicate", "a partial index's WHERE differs"),
    "SC346": ("index-method", "an index's method, operator classes or NULLS FIRST/LAST differ"),
    "SC351": ("view-missing", "a view is missing"),
    "SC352": ("view-extra", "the database has a view the manifest does not declare"),
    "SC353": ("view-columns", "a view's result columns differ"),
    "SC354": ("view-definition", "a view's SELECT differs"),
    "SC361": ("search-missing", "a full-text search (FTS5 table / GIN index) is missing"),
    "SC362": ("search-extra", "the database has a full-text search the manifest does not declare"),
    "SC363": ("search-changed", "a full-text search covers other columns or rows (a partial GIN index), or its "
                                "FTS5 options or sync triggers differ from schemactl's (missing, or defined "
                                "otherwise)"),
    "SC371": ("trigger-missing", "a trigger is missing"),
    "SC372": ("trigger-extra", "the database has a trigger the manifest does not declare"),
    "SC373": ("trigger-changed", "a trigger's table, timing, events, FOR EACH, WHEN, statements or function differ, "
                                 "or the RETURN, SECURITY DEFINER or SET clauses of schemactl's <trigger>_fn"),
    "SC381": ("policy-missing", "a row-level security policy is missing (PostgreSQL)"),
    "SC382": ("policy-extra", "the table has a policy the manifest does not declare"),
    "SC383": ("policy-changed", "a policy's command, roles, permissive/restrictive, USING or WITH CHECK differ"),
    "SC391": ("function-missing", "a function is missing (PostgreSQL)"),
    "SC392": ("function-extra", "the schema has a function the manifest does not declare"),
    "SC393": ("function-changed", "a function's language, body, SECURITY DEFINER or SET clauses differ"),
    "SC401": ("enum-missing", "an enum type is missing"),
    "SC402": ("enum-extra", "the schema has an undeclared enum type"),
    "SC403": ("enum-values", "an enum's values or their order differ"),
    "SC411": ("sequence-missing", "a sequence is missing (PostgreSQL)"),
    "SC412": ("sequence-extra", "the schema has a sequence the manifest does not declare"),
    "SC413": ("sequence-changed", "a sequence's type, start, increment, limits, cycle or owner differ"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    engine: str
    path: str            # e.g. "memories.title", "memories/index memories_kind_idx"
    message: str
    expected: str = ""
    actual: str = ""
    manifest_path: tuple = ()   # where in the manifest (for github annotations)

    @property
    def title(self) -> str:
        return CODES[self.code][0]


def _fmt(v) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return "(" + ", ".join(_fmt(x) for x in v) + ")"
    return str(v)


class _Diff:
    def __init__(self, engine: str):
        self.engine, self.out = engine, []

    def add(self, code, path, message, expected=None, actual=None, where=()):
        self.out.append(Finding(code, self.engine, path, message, _fmt(expected) if expected is not None else "",
                                _fmt(actual) if actual is not None else "", where))


def diff(expected: Catalog, actual: Catalog) -> list[Finding]:
    d = _Diff(expected.engine)
    want, have = expected.table_map(), actual.table_map()
    for name in want:
        if name not in have:
            d.add("SC101", name, f'table "{name}" is missing', name, None, ("tables", name))
        else:
            _table(d, want[name], have[name])
    for name in have:
        if name not in want and name not in BOOKKEEPING_TABLES:   # migration runners' own (no manifest has them)
            d.add("SC102", name, f'table "{name}" is not in the manifest', None, name)
    declared = {("tables", t.name, "columns", c.name) for t in expected.tables for c in t.columns} | \
        {(key, x.name) for key, objects in (("triggers", expected.triggers), ("views", expected.views),
                                            ("functions", expected.functions), ("sequences", expected.sequences))
         for x in objects} | {("enums", name) for name, _ in expected.enums} | \
        {("tables", p.table, "policies", p.name) for p in expected.policies}
    for table, kind, name, why in actual.beyond:   # nothing the manifest implies has these (expect holds none)
        own = _BEYOND_WHERE[kind](table, name) if kind in _BEYOND_WHERE else None
        where = own if own in declared else ("tables", table) if table in want else \
            ("sequences", name) if kind == "sequence" else ()
        d.add("SC105", _beyond_object(table, kind, name), f'{kind} "{name}"'
              + (f' on "{table}"' if kind not in _SCHEMA_LEVEL else "") + " holds what the manifest cannot declare",
              None, why, where)
    _views(d, expected, actual)
    _searches(d, expected, actual)
    _triggers(d, expected, actual)
    # schemactl's own <trigger>_fn holding a declared trigger's statements belongs to that trigger: with the
    # trigger gone it is part of that one finding (SC371), not an undeclared function of its own
    owned = {f"{tr.name}_fn" for tr in expected.triggers}
    _named(d, expected.functions, tuple(f for f in actual.functions if f.name not in owned), "function", "SC39",
           ("functions",), lambda f: (f.key, f.settings), lambda f: f.shown)
    _named(d, expected.sequences, actual.sequences, "sequence", "SC41", ("sequences",),
           lambda s: s, lambda s: s.shown())
    _policies(d, expected, actual)
    want_enums, have_enums = dict(expected.enums), dict(actual.enums)
    for name, values in want_enums.items():
        if name not in have_enums:
            d.add("SC401", f"enum {name}", f'enum "{name}" is missing', values, None, ("enums", name))
        elif have_enums[name] != values:
            d.add("SC403", f"enum {name}", f'enum "{name}" has other values', values, have_enums[name],
                  ("enums", name))
    for name in have_enums:
        if name not in want_enums:
            d.add("SC402", f"enum {name}", f'enum "{name}" is not in the manifest', None, have_enums[name])
    return d.out


# Where an SC105 finding points in the manifest when it declares the object: the object's own entry (else its
# table's); and the kinds of object that are the schema's, not a table's ("view v", not "view v on t").
_BEYOND_WHERE = {"column": lambda t, n: ("tables", t, "columns", n),
                 "identity": lambda t, n: ("tables", t, "columns", n),
                 "trigger": lambda t, n: ("triggers", n), "view": lambda t, n: ("views", n),
                 "sequence": lambda t, n: ("sequences", n), "enum": lambda t, n: ("enums", n),
                 "function": lambda t, n: ("functions", n), "policy": lambda t, n: ("tables", t, "policies", n)}
_SCHEMA_LEVEL = ("sequence", "view", "table", "enum", "function")


def _beyond_object(table: str, kind: str, name: str) -> str:
    """An SC105 finding's object, named as diff's other findings name theirs: "trigger x", "t.c", "t/index i"."""
    if kind == "table":   # as SC101/SC102 name it
        return table
    if kind in ("trigger",) + _SCHEMA_LEVEL:
        return f"{kind} {name}"
    if kind in ("column", "identity"):
        return f"{table}.{name}"
    return f"{table}/{kind} {name}"


def _searches(d: _Diff, expected: Catalog, actual: Catalog) -> None:
    have = {s.name: s for s in actual.searches}
    for s in expected.searches:
        a = have.pop(s.name, None)
        where = ("tables", s.table, "search")
        if a is None:
            d.add("SC361", f"{s.table}/search {s.name}", f'search "{s.name}" on "{s.table}" is missing', s.shown,
                  None, where)
        elif (a.table, a.key) != (s.table, s.key):
            d.add("SC363", f"{s.table}/search {s.name}", f'search "{s.name}" differs', s.shown, a.shown, where)
        else:
            _search_parts(d, s, a, where)
    for a in have.values():
        d.add("SC362", f"{a.table}/search {a.name}", f'search "{a.name}" is not in the manifest', None, a.shown)


# What of a search is compared once its table and columns agree: (attribute, how it is shown, what differs).
_SEARCH_PARTS = (("where", lambda s: s.shown_where, "covers other rows"),
                 ("options", lambda s: ", ".join(s.options), "has other FTS5 options"))


def _search_parts(d: _Diff, s, a, where: tuple) -> None:
    path, on = f"{s.table}/search {s.name}", f'search "{s.name}" on "{s.table}"'
    for attr, shown, differs in _SEARCH_PARTS:
        if getattr(a, attr) != getattr(s, attr):
            d.add("SC363", path, f"{on} {differs}", shown(s) or "(none)", shown(a) or "(none)", where)
    have, have_sql = dict(a.sync), dict(a.shown_sync)
    for (name, key), (_, sql) in zip(s.sync, s.shown_sync):   # FTS5's sync triggers, each as schemactl writes it
        if have.get(name) != key:
            d.add("SC363", path, f'sync trigger "{name}" of {on} ' + ("is missing" if name not in have else "differs"),
                  sql, have_sql.get(name), where)


def _named(d: _Diff, want, have, kind: str, code: str, where: tuple, key, shown) -> None:
    """Schema-level objects keyed by name: <code>1 missing, <code>2 extra, <code>3 changed."""
    have = {x.name: x for x in have}
    for w in want:
        a = have.pop(w.name, None)
        if a is None:
            d.add(code + "1", f"{kind} {w.name}", f'{kind} "{w.name}" is missing', shown(w), None, where + (w.name,))
        elif key(a) != key(w):
            d.add(code + "3", f"{kind} {w.name}", f'{kind} "{w.name}" differs', shown(w), shown(a),
                  where + (w.name,))
    for a in have.values():
        d.add(code + "2", f"{kind} {a.name}", f'{kind} "{a.name}" is not in the manifest', None, shown(a))


def _policies(d: _Diff, expected: Catalog, actual: Catalog) -> None:
    have = {(p.table, p.name): p for p in actual.policies}
    for p in expected.policies:
        a = have.pop((p.table, p.name), None)
        path, where = f"{p.table}/policy {p.name}", ("tables", p.table, "policies", p.name)
        if a is None:
            d.add("SC381", path, f'policy "{p.name}" on "{p.table}" is missing', p.shown(), None, where)
        elif a != p or not (casts_kept(p.shown_using, a.shown_using) and casts_kept(p.shown_check, a.shown_check)):
            d.add("SC383", path, f'policy "{p.name}" on "{p.table}" differs', p.shown(), a.shown(), where)
    for a in have.values():
        d.add("SC382", f"{a.table}/policy {a.name}", f'policy "{a.name}" on "{a.table}" is not in the manifest', None,
              a.shown())


def _trigger_shown(t) -> str:
    return (f"{t.timing} {t.event} on {t.table} for each {t.each}"
            + (f" when ({t.shown_when})" if t.shown_when else "") + f": {t.shown}"
            + (f" returns {t.shown_returns}" if t.shown_returns else "")
            + "".join(f"; {s}" for s in t.settings))


def _triggers(d: _Diff, expected: Catalog, actual: Catalog) -> None:
    have = {t.name: t for t in actual.triggers}
    for t in expected.triggers:
        a = have.pop(t.name, None)
        where = ("triggers", t.name)
        if a is None:
            d.add("SC371", f"trigger {t.name}", f'trigger "{t.name}" on "{t.table}" is missing', t.shown, None, where)
        elif a != t:
            d.add("SC373", f"trigger {t.name}", f'trigger "{t.name}" differs', _trigger_shown(t), _trigger_shown(a),
                  where)
    for a in have.values():
        d.add("SC372", f"trigger {a.name}", f'trigger "{a.name}" is not in the manifest', None,
              f"{a.timing} {a.event} on {a.table}")


def _views(d: _Diff, expected: Catalog, actual: Catalog) -> None:
    have = {v.name: v for v in actual.views}
    for v in expected.views:
        a = have.pop(v.name, None)
        where = ("views", v.name)
        if a is None:
            d.add("SC351", f"view {v.name}", f'view "{v.name}" is missing', v.shown, None, where)
            continue
        if v.columns is not None and v.columns != a.columns:
            d.add("SC353", f"view {v.name}", f'view "{v.name}" has other columns', v.columns, a.columns, where)
        if v.definition != a.definition:
            d.add("SC354", f"view {v.name}", f'view "{v.name}" has another definition', v.shown, a.shown, where)
        if _comment_differs(v.comment, a.comment):
            d.add("SC209", f"view {v.name}", f'view "{v.name}" has another comment', v.comment, a.comment, where)
    for a in have.values():
        d.add("SC352", f"view {a.name}", f'view "{a.name}" is not in the manifest', None, a.shown)


def _generated(c) -> str | None:
    if c.generated is None:
        return None
    return f"GENERATED ALWAYS AS ({c.shown_generated}) {'STORED' if c.stored else 'VIRTUAL'}"


def _comment_differs(expected: str | None, actual: str | None) -> bool:
    """A comment the database holds that is not the manifest's (changed, or one the manifest does not declare).
    One the database lacks is not reported: migration chains written before schemactl carried a new column's
    comment to PostgreSQL (2 December 2026) built databases without it, and no migration can add it back."""
    return actual is not None and actual != expected


def _default_kind(c, engine: str) -> str | None:
    """The literal kind a column's defaults are compared as: PostgreSQL's json (not jsonb) keeps its text as
    written (key order, spaces), so its defaults compare as text; jsonb's as JSON values.  SQLite's catalog says
    TEXT for both: a column the manifest declares json compares its default as text there too."""
    if engine == "postgres" and c.type == "json" or engine == "sqlite" and c.json_text:
        return None
    return c.kind


def _table(d: _Diff, w: CTable, h: CTable) -> None:
    t = w.name
    base = ("tables", t)
    hcols = {c.name: c for c in h.columns}
    for c in w.columns:
        where = base + ("columns", c.name)
        a = hcols.get(c.name)
        if a is None:
            d.add("SC201", f"{t}.{c.name}", f'column "{t}.{c.name}" is missing', c.type, None, where)
            continue
        if c.type != a.type:
            d.add("SC203", f"{t}.{c.name}", f'column "{t}.{c.name}" has another type', c.type, a.type, where)
        if c.nullable != a.nullable:
            d.add("SC204", f"{t}.{c.name}", f'column "{t}.{c.name}" is {"nullable" if a.nullable else "NOT NULL"}',
                  "nullable" if c.nullable else "NOT NULL", "nullable" if a.nullable else "NOT NULL", where)
        if (c.generated, c.stored) != (a.generated, a.stored):
            d.add("SC208", f"{t}.{c.name}", f'column "{t}.{c.name}" is generated differently', _generated(c),
                  _generated(a), where)
        elif c.identity != a.identity:
            d.add("SC206", f"{t}.{c.name}", f'column "{t}.{c.name}" identity differs', c.identity, a.identity, where)
        elif default_key(c.default, d.engine, _default_kind(c, d.engine)) != \
                default_key(a.default, d.engine, _default_kind(c, d.engine)):
            d.add("SC205", f"{t}.{c.name}", f'column "{t}.{c.name}" has another default', c.shown_default,
                  a.shown_default, where)
        if _comment_differs(c.comment, a.comment):
            d.add("SC209", f"{t}.{c.name}", f'column "{t}.{c.name}" has another comment', c.comment, a.comment,
                  where)
    if _comment_differs(w.comment, h.comment):
        d.add("SC209", t, f'table "{t}" has another comment', w.comment, h.comment, base)
    wcols = {c.name for c in w.columns}
    for a in h.columns:
        if a.name not in wcols:
            d.add("SC202", f"{t}.{a.name}", f'column "{t}.{a.name}" is not in the manifest', None, a.type)
    common_w = [c.name for c in w.columns if c.name in hcols]
    common_h = [c.name for c in h.columns if c.name in wcols]
    if common_w != common_h:
        d.add("SC207", t, f'columns of "{t}" are in another order', tuple(common_w), tuple(common_h), base)
    if w.options != h.options:
        d.add("SC103", t, f'table options of "{t}" differ', w.options or ("none",), h.options or ("none",), base)
    if w.row_security != h.row_security:
        d.add("SC104", t, f'row-level security of "{t}" differs', w.row_security or ("off",),
              h.row_security or ("off",), base + ("postgres",))
    _keys(d, w, h, base)
    _foreign_keys(d, w, h, base)
    _checks(d, w, h, base)
    _indexes(d, w, h, base)


def _named_match(want, have, shape):
    """Pair expected with actual objects: by name where the actual has one, else by shape."""
    pairs, left = [], list(have)
    for obj in want:
        hit = next((a for a in left if a.name is not None and a.name == obj.name), None)
        if hit is None:
            hit = next((a for a in left if a.name is None and shape(a) == shape(obj)), None)
        if hit is not None:
            left.remove(hit)
        pairs.append((obj, hit))
    return pairs, left


def _keys(d: _Diff, w: CTable, h: CTable, base) -> None:
    t = w.name
    wp, hp = w.primary_key, h.primary_key
    if wp and (not hp or wp.columns != hp.columns or (hp.name is not None and hp.name != wp.name)):
        d.add("SC301", t, f'primary key of "{t}" differs', (wp.name, wp.columns),
              (hp.name, hp.columns) if hp else None, base + ("primary_key",))
    elif hp and not wp:
        d.add("SC301", t, f'"{t}" has a primary key the manifest does not declare', None, (hp.name, hp.columns))
    pairs, extra = _named_match(w.uniques, h.uniques, lambda k: k.columns)
    for u, a in pairs:
        if a is None or a.columns != u.columns:
            d.add("SC311", f"{t}/unique {u.name}", f'unique constraint "{u.name}" on "{t}" is missing', u.columns,
                  a.columns if a else None, base)
    for a in extra:
        d.add("SC312", f"{t}/unique {a.name or '(unnamed)'}", f'"{t}" has an undeclared unique constraint', None,
              a.columns)


def _deferral(mode: str | None) -> str:
    return f"DEFERRABLE INITIALLY {mode.upper()}" if mode else "NOT DEFERRABLE"


def _foreign_keys(d: _Diff, w: CTable, h: CTable, base) -> None:
    t = w.name
    pairs, extra = _named_match(w.foreign_keys, h.foreign_keys, lambda f: f.shape)
    for f, a in pairs:
        path = f"{t}/foreign key {f.name}"
        if a is None or a.shape != f.shape:
            d.add("SC321", path, f'foreign key "{f.name}" on "{t}" is missing',
                  f"({', '.join(f.columns)}) -> {f.ref_table}({', '.join(f.ref_columns)})",
                  f"({', '.join(a.columns)}) -> {a.ref_table}({', '.join(a.ref_columns)})" if a else None, base)
        elif (a.on_delete, a.on_update) != (f.on_delete, f.on_update):
            d.add("SC323", path, f'foreign key "{f.name}" on "{t}" has other actions',
                  f"on delete {f.on_delete}, on update {f.on_update}",
                  f"on delete {a.on_delete}, on update {a.on_update}", base)
        if a is not None and a.shape == f.shape and a.deferrable != f.deferrable:
            d.add("SC324", path, f'foreign key "{f.name}" on "{t}" is deferred otherwise', _deferral(f.deferrable),
                  _deferral(a.deferrable), base)
    for a in extra:
        d.add("SC322", f"{t}/foreign key {a.name or '(unnamed)'}", f'"{t}" has an undeclared foreign key', None,
              f"({', '.join(a.columns)}) -> {a.ref_table}({', '.join(a.ref_columns)})")


def _checks(d: _Diff, w: CTable, h: CTable, base) -> None:
    t = w.name
    pairs, extra = _named_match(w.checks, h.checks, lambda c: c.expr)
    for c, a in pairs:
        if a is None:
            d.add("SC331", f"{t}/check {c.name}", f'check "{c.name}" on "{t}" is missing', c.shown, None, base)
        elif a.expr != c.expr:
            d.add("SC333", f"{t}/check {c.name}", f'check "{c.name}" on "{t}" has another expression', c.shown,
                  a.shown, base)
    for a in extra:
        d.add("SC332", f"{t}/check {a.name or '(unnamed)'}", f'"{t}" has an undeclared check', None, a.shown)


def _indexes(d: _Diff, w: CTable, h: CTable, base) -> None:
    t = w.name
    have = {i.name: i for i in h.indexes}
    for ix in w.indexes:
        path = f"{t}/index {ix.name}"
        a = have.pop(ix.name, None)
        if a is None:
            d.add("SC341", path, f'index "{ix.name}" on "{t}" is missing', ix.shown(), None, base)
            continue
        if a.columns != ix.columns:
            d.add("SC343", path, f'index "{ix.name}" has other columns', ix.shown(), a.shown(), base)
        elif (a.method, a.nulls, a.opclasses) != (ix.method, ix.nulls, ix.opclasses):
            d.add("SC346", path, f'index "{ix.name}" has another method, operator class or NULLS order', ix.shown(),
                  a.shown(), base)
        if a.unique != ix.unique:
            d.add("SC344", path, f'index "{ix.name}" uniqueness differs', "unique" if ix.unique else "not unique",
                  "unique" if a.unique else "not unique", base)
        if a.where != ix.where:
            d.add("SC345", path, f'index "{ix.name}" has another WHERE', ix.shown_where, a.shown_where, base)
    for a in have.values():
        d.add("SC342", f"{t}/index {a.name}", f'"{t}" has an undeclared index "{a.name}"', None, a.shown())
