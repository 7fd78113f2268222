"""What a manifest implies for one engine, as a catalog (see schemactl.catalog)."""

from __future__ import annotations

from .catalog import (Catalog, CCheck, CColumn, CForeignKey, CFunction, CIndex, CKey, CPolicy, CSequence, CTable,
                      CTrigger, CView, index_element, sparse)
from .pgfunction import body_key, settings, split_body, trigger_body
from .manifest.model import Manifest
from .normalize import TYPE_KEY, expr_key, statements_key
from .render.ddl import RULES, Renderer
from .typedconst import kinds_of


def expect(m: Manifest, engine: str) -> Catalog:
    r = Renderer(m, engine)
    type_key = TYPE_KEY[engine]
    tables = []
    for t in m.tables:
        columns = tuple(
            CColumn(c.name, type_key(r.column_type(t, c, catalog=True)), r.reported_nullable(t, c), r.default_sql(c),
                    c.identity,
                    shown_default=r.default_sql(c), kind="enum" if c.type.enum else c.type.row.value,
                    comment=(c.comment or None) if r.r.comments else None,
                    json_text=not c.type.array and c.type.row.name == "json", **_generated(r, c, engine))
            for c in t.columns)
        compared = kinds_of(t.columns, {e.name: e.values for e in m.enums}) if engine == "postgres" else {}
        checks = tuple(CCheck(name, _typed_key(sql, engine, compared), sql) for name, sql in r.checks(t))
        indexes = tuple(_index(r, ix, engine, compared) for ix in r.indexes(t))
        tables.append(CTable(
            name=t.name, columns=columns,
            primary_key=CKey(t.primary_key.name, t.primary_key.columns) if t.primary_key else None,
            uniques=tuple(CKey(u.name, u.columns) for u in t.uniques),
            foreign_keys=tuple(CForeignKey(f.name, f.columns, f.ref_table, f.ref_columns, f.on_delete, f.on_update,
                                           r.deferrable(f)) for f in t.foreign_keys),
            checks=checks, indexes=indexes,
            options=tuple(attr for attr, _ in RULES[engine].table_options if getattr(t, attr)),
            row_security=_row_security(t) if r.r.row_security else (),
            comment=(t.comment or None) if r.r.comments else None,   # COMMENT IS '' removes the comment
        ))
    enums = tuple((e.name, e.values) for e in m.enums) if RULES[engine].enums_as_types else ()
    views = tuple(CView(v.name, v.outputs, expr_key(v.query.on(engine), engine), v.query.on(engine),
                        comment=(v.comment or None) if r.r.comments else None)
                  for v in m.views)
    from .render.search import expected_search
    searches = tuple(expected_search(t, t.search, engine) for t in m.tables if t.search)
    triggers = tuple(_trigger(r, tr, engine) for tr in m.triggers if tr.on(engine))
    functions = tuple(CFunction(f.name, body_key(f.language, f.body), r.create_function(f), settings(f.definition))
                      for f in m.functions) if r.r.functions else ()
    sequences = tuple(_sequence(s) for s in m.sequences) if r.r.sequences else ()
    policies = tuple(CPolicy(p.name, p.table, p.command, tuple(sorted(p.roles)), p.permissive,
                             expr_key(p.using.on(engine), engine) if p.using else None,
                             expr_key(p.check.on(engine), engine) if p.check else None,
                             p.using.on(engine) if p.using else None, p.check.on(engine) if p.check else None)
                     for p in r.policies())
    return Catalog(engine, tuple(tables), enums, views, searches, triggers, functions, sequences, policies)


_EVENTS = ("insert", "update", "delete")


def _trigger(r: Renderer, tr, engine: str) -> CTrigger:
    """A trigger as the engine's catalog reports it (events in one order; a declared function by name; on
    PostgreSQL, what schemactl's own function returns and its clauses, read from its generated CREATE FUNCTION
    as introspection reads the database's)."""
    event = " or ".join(e for e in _EVENTS if e in tr.event.split(" or "))
    when = tr.when.on(engine) if tr.when is not None else None
    extra = dict(each=tr.each, when=expr_key(when, engine) if when else None, shown_when=when)
    if tr.body.on(engine) is None:   # PostgreSQL: runs a declared function
        return CTrigger(tr.name, tr.table, tr.timing, event, "", f"EXECUTE FUNCTION {tr.function}()",
                        function=tr.function, **extra)
    if engine == "postgres":
        create = r.trigger(tr)[0]
        returns = trigger_body(split_body(create)[0])[1]
        extra.update(returns=expr_key(returns, engine) if returns else None, shown_returns=returns,
                     settings=settings(create))
    return CTrigger(tr.name, tr.table, tr.timing, event, statements_key(tr.body.on(engine), engine),
                    tr.body.on(engine), **extra)


def _row_security(t) -> tuple[str, ...]:
    return tuple(flag for flag, on in (("enabled", t.row_level_security), ("forced", t.force_row_level_security))
                 if on)


# PostgreSQL's sequence defaults per type: (min, max) of an ascending sequence.
SEQUENCE_LIMITS = {"smallint": 2 ** 15 - 1, "integer": 2 ** 31 - 1, "bigint": 2 ** 63 - 1}


def _sequence(s) -> CSequence:
    top = SEQUENCE_LIMITS[s.type]
    low = s.min_value if s.min_value is not None else (1 if s.increment > 0 else -top - 1)
    high = s.max_value if s.max_value is not None else (top if s.increment > 0 else -1)
    start = s.start if s.start is not None else (low if s.increment > 0 else high)
    return CSequence(s.name, s.type, start, s.increment, low, high, s.cycle, s.owned_by)


def _typed_key(sql: str, engine: str, compared: dict) -> str:
    """expr_key, where PostgreSQL reads a constant compared with a column as a value of its type and shows it
    cast to that type (typedconst.typed_key)."""
    if compared and "'" in sql:
        from .typedconst import typed_key
        typed = typed_key(sql, compared)
        if typed is not None:
            return typed
    return expr_key(sql, engine)


def _index(r: Renderer, ix, engine: str, compared: dict) -> CIndex:
    keys = tuple(c.name if c.expr is None else index_element(expr_key(c.expr.on(engine), engine))
                 for c in ix.columns)
    methods = r.r.index_methods
    return CIndex(ix.name, tuple((k, c.desc) for k, c in zip(keys, ix.columns)), ix.unique,
                  _typed_key(ix.where.on(engine), engine, compared) if ix.where else None,
                  ix.where.on(engine) if ix.where else None,
                  method=ix.method if methods else "btree",
                  nulls=sparse(c.nulls for c in ix.columns) if r.r.index_nulls else (),
                  opclasses=sparse(c.opclass for c in ix.columns) if methods else (),
                  shown_columns=tuple(c.name or c.expr.on(engine) for c in ix.columns))


def _generated(r: Renderer, c, engine: str) -> dict:
    if c.generated is None:
        return {}
    sql = c.generated.expr.on(engine)
    return dict(generated=expr_key(sql, engine), stored=r.stored(c), shown_generated=sql)
