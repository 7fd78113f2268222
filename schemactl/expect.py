"""What a manifest implies for one engine, as a catalog (see schemactl.catalog)."""

from __future__ import annotations

from .catalog import Catalog, CCheck, CColumn, CForeignKey, CIndex, CKey, CSearch, CTable, CTrigger, CView
from .manifest.model import Manifest
from .normalize import TYPE_KEY, expr_key, statements_key
from .render.ddl import RULES, Renderer


def expect(m: Manifest, engine: str) -> Catalog:
    r = Renderer(m, engine)
    type_key = TYPE_KEY[engine]
    tables = []
    for t in m.tables:
        columns = tuple(
            CColumn(c.name, type_key(r.column_type(t, c, catalog=True)), r.reported_nullable(t, c), r.default_sql(c),
                    c.identity,
                    shown_default=r.default_sql(c), kind="enum" if c.type.enum else c.type.row.value)
            for c in t.columns)
        checks = tuple(CCheck(name, expr_key(sql, engine), sql) for name, sql in r.checks(t))
        indexes = tuple(
            CIndex(ix.name, tuple((c.name, c.desc) for c in ix.columns), ix.unique,
                   expr_key(ix.where.on(engine), engine) if ix.where else None,
                   ix.where.on(engine) if ix.where else None)
            for ix in t.indexes)
        tables.append(CTable(
            name=t.name, columns=columns,
            primary_key=CKey(t.primary_key.name, t.primary_key.columns) if t.primary_key else None,
            uniques=tuple(CKey(u.name, u.columns) for u in t.uniques),
            foreign_keys=tuple(CForeignKey(f.name, f.columns, f.ref_table, f.ref_columns, f.on_delete, f.on_update)
                               for f in t.foreign_keys),
            checks=checks, indexes=indexes,
            options=tuple(attr for attr, _ in RULES[engine].table_options if getattr(t, attr)),
        ))
    enums = tuple((e.name, e.values) for e in m.enums) if RULES[engine].enums_as_types else ()
    views = tuple(CView(v.name, v.outputs, expr_key(v.query.on(engine), engine), v.query.on(engine))
                  for v in m.views)
    from .render.search import expected_key
    searches = tuple(CSearch(t.search.name, t.name, *expected_key(t, t.search, engine)) for t in m.tables if t.search)
    triggers = tuple(CTrigger(tr.name, tr.table, tr.timing, tr.event, statements_key(tr.body.on(engine), engine),
                              tr.body.on(engine)) for tr in m.triggers)
    return Catalog(engine, tuple(tables), enums, views, searches, triggers)
