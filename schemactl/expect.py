"""What a manifest implies for one engine, as a catalog (see schemactl.catalog)."""

from __future__ import annotations

from .catalog import (Catalog, CCheck, CColumn, CForeignKey, CIndex, CKey, CSearch, CTable, CTrigger, CView,
                      index_element, sparse)
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
                    shown_default=r.default_sql(c), kind="enum" if c.type.enum else c.type.row.value,
                    **_generated(r, c, engine))
            for c in t.columns)
        checks = tuple(CCheck(name, expr_key(sql, engine), sql) for name, sql in r.checks(t))
        indexes = tuple(_index(r, ix, engine) for ix in r.indexes(t))
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


def _index(r: Renderer, ix, engine: str) -> CIndex:
    keys = tuple(c.name if c.expr is None else index_element(expr_key(c.expr.on(engine), engine))
                 for c in ix.columns)
    methods = r.r.index_methods
    return CIndex(ix.name, tuple((k, c.desc) for k, c in zip(keys, ix.columns)), ix.unique,
                  expr_key(ix.where.on(engine), engine) if ix.where else None,
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
