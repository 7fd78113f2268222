"""PostgreSQL catalog -> Catalog, through the queries in queries/*.sql."""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from functools import cache
from importlib import resources

from ..catalog import (Catalog, CCheck, CColumn, CForeignKey, CFunction, CIndex, CKey, CPolicy, CSearch, CSequence,
                       CTable, CTrigger, CView, index_element, sparse)
from ..pgfunction import body_key, settings_key, trigger_body
from ..normalize import expr_key, pg_type, statements_key
from ..typekeys import PG_FK_ACTIONS, PG_READ_PATH, pg_unquote



@cache
def query(name: str) -> str:
    return resources.files("schemactl.introspect").joinpath("queries", f"{name}.sql").read_text("utf-8")


def batch(conn, statements: list[tuple[str, dict | None]]) -> list[list[tuple]]:
    """The rows of each of ``statements`` (SQL, parameters), in order, read in one round trip to the server where
    psycopg's pipeline mode is there (libpq 14 and later): a catalog read is some thirty queries, each a round trip
    of its own before, which a server across a network multiplies (30 ms each to a database in another region).
    The statements run as they would one after the other; the first that fails raises, and none after it runs."""
    import psycopg
    if len(statements) < 2 or not psycopg.Pipeline.is_supported():
        return [_fetch(conn.execute(sql, params)) for sql, params in statements]
    with conn.pipeline():
        cursors = [conn.execute(sql, params) for sql, params in statements]
    return [_fetch(cur) for cur in cursors]


def _fetch(cur) -> list[tuple]:
    return cur.fetchall() if cur.description is not None else []


# Queries whose SQL text (pg_get_viewdef, policy and WHEN expressions) PostgreSQL qualifies with the schema of
# every name the session's search_path does not reach: read with the manifest's schema on the path, they show
# the names as the manifest writes them (its DDL creates them under that path).
_AS_WRITTEN = ("views", "policies", "triggers")


_QUERIES = ("tables", "comments", "columns", "constraints", "indexes", "row_security", "enums", "views", "searches",
            "triggers", "functions", "sequences", "policies")


def _queries(conn, schema: str) -> dict[str, list[tuple]]:
    """The rows of each of the catalog's queries (queries/*.sql, PUBLIC_SHADOWED_SQL as "shadowed",
    BEYOND_MODEL_SQL as "beyond"), read in one batch under read_settings' search_path (READ_PATH); outside public
    the _AS_WRITTEN ones come last, with the manifest's schema first on the path, which is then put back (after an
    error read_settings puts the session's own back, or the caller's rollback takes the transaction's back)."""
    local = not getattr(conn, "autocommit", True)
    given = {"schema": schema}
    sql = {**{n: query(n) for n in _QUERIES}, "shadowed": PUBLIC_SHADOWED_SQL, "beyond": BEYOND_MODEL_SQL}
    first = [n for n in sql if schema == "public" or n not in _AS_WRITTEN]
    later = [n for n in sql if n not in first]
    statements = [(sql[n], given) for n in first]
    if later:
        statements += [("SELECT set_config('search_path', quote_ident(%(schema)s) || ', ' || %(path)s, %(local)s)",
                        {"schema": schema, "path": READ_PATH, "local": local}),
                       *[(sql[n], given) for n in later],
                       ("SELECT set_config('search_path', %(path)s, %(local)s)", {"path": READ_PATH, "local": local})]
    rows = batch(conn, statements)
    return {**dict(zip(first, rows)), **dict(zip(later, rows[len(first) + 1:]))}


def _text(v) -> str:
    return v if isinstance(v, str) else str(v)


# The settings PostgreSQL spells constants by when it shows an expression (pg_get_expr of a default, a CHECK):
# the ones schemactl reads them in, whatever the server or the database sets ('@ 1 day' in postgres_verbose,
# 02/01/2020 in DateStyle SQL, DMY, floats cut at extra_float_digits 0, a timestamptz constant in the session's
# time zone: '2020-01-01 05:30:00+05:30').
# And the search_path, by which format_type, regclass and pg_get_expr qualify a name (typekeys.PG_READ_PATH:
# the runtimes' deep verify reads under the same one).
READ_PATH = PG_READ_PATH
READ_SETTINGS = (("DateStyle", "ISO, YMD"), ("IntervalStyle", "postgres"), ("extra_float_digits", "1"),
                 ("TimeZone", "UTC"), ("search_path", READ_PATH))


@contextlib.contextmanager
def read_settings(conn):
    """The session's READ_SETTINGS while the catalog is read; its own ones afterwards.  Inside the caller's
    transaction (a connection that is not autocommit) they are the transaction's own (SET LOCAL), so a setting
    the caller made local stays local; after an error there, the rollback takes them back."""
    local = not getattr(conn, "autocommit", True)
    names = [name for name, _ in READ_SETTINGS]

    def put(pairs) -> tuple[str, dict]:   # one statement: set_config() of each, in order
        pairs = list(pairs)
        return ("SELECT " + ", ".join(f"set_config(%(n{i})s, %(v{i})s, %(local)s)" for i in range(len(pairs))),
                {"local": local, **{f"n{i}": n for i, (n, _) in enumerate(pairs)},
                 **{f"v{i}": v for i, (_, v) in enumerate(pairs)}})

    old = batch(conn, [("SELECT " + ", ".join(f"current_setting('{n}')" for n in names), None),
                       put(READ_SETTINGS)])[0][0]
    try:
        yield
    finally:
        from psycopg.pq import TransactionStatus
        if not local or conn.info.transaction_status != TransactionStatus.INERROR:   # a failed one: rolled back
            conn.execute(*put(zip(names, old)))


# What PostgreSQL holds of a schema that no manifest can declare, (severity, table, kind, name, why): import
# lists each where it leaves it out, diff reports each as held beyond the manifest (SC105).
BEYOND_MODEL_SQL = """
        SELECT 'approximate', c.relname, 'constraint', con.conname,
               'DEFERRABLE' || CASE WHEN con.condeferred THEN ' INITIALLY DEFERRED' ELSE '' END ||
               ' left out: the manifest''s unique and primary keys are checked at once'
          FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND con.contype IN ('u', 'p') AND con.condeferrable
        UNION ALL
        SELECT 'not mapped', c.relname, 'constraint', con.conname,
               pg_get_constraintdef(con.oid) || ': the manifest holds no EXCLUDE constraint; keep it in the '
               'application''s migrations'
          FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND con.contype = 'x'
        UNION ALL
        SELECT 'approximate', c.relname, 'foreign key', con.conname,
               concat_ws('; ', CASE WHEN con.confmatchtype = 'f' THEN 'MATCH FULL left out: the manifest''s foreign '
                                     'keys are MATCH SIMPLE (a row with some of the key''s columns NULL is not '
                                     'checked)' END,
                         CASE WHEN NOT con.convalidated THEN 'NOT VALID left out: the manifest''s foreign key is '
                                     'validated (the rows already there are checked when it is created)' END,
                         CASE WHEN setcols.names IS NOT NULL THEN 'ON DELETE ' || CASE con.confdeltype WHEN 'n'
                                     THEN 'SET NULL' ELSE 'SET DEFAULT' END || ' (' || setcols.names || ') left out: '
                                     'the manifest''s ON DELETE sets every column of the key' END)
          FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          -- pg_constraint.confdelsetcols (PostgreSQL 15 and later; absent before, where no key has it): the
          -- columns ON DELETE SET NULL / SET DEFAULT (a, …) sets, read from the row as JSON, which names it only
          -- where it exists; a list of every column of the key is the plain action (PostgreSQL sets exactly
          -- those), no list of some
          CROSS JOIN LATERAL (
              SELECT CASE WHEN count(DISTINCT u.attnum) < cardinality(con.conkey)
                          THEN string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord) END AS names
                FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(to_jsonb(con) -> 'confdelsetcols') = 'array'
                                                    THEN to_jsonb(con) -> 'confdelsetcols' END)
                     WITH ORDINALITY AS u(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = u.attnum::int2) AS setcols
         WHERE n.nspname = %(schema)s AND con.contype = 'f'
           AND (con.confmatchtype = 'f' OR NOT con.convalidated OR setcols.names IS NOT NULL)
        UNION ALL
        SELECT DISTINCT 'approximate', c.relname, 'index', ic.relname,
               'COLLATE ' || quote_ident(co.collname) || ' of a key left out: the index orders by the column''s '
               'collation (' || pg_get_indexdef(i.indexrelid) || ')'
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          CROSS JOIN LATERAL unnest(i.indcollation::oid[], i.indkey::int2[]) AS k(coll, attnum)
          JOIN pg_collation co ON co.oid = k.coll
          LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0
         WHERE n.nspname = %(schema)s AND k.coll NOT IN (0, 100) AND k.coll <> COALESCE(a.attcollation, 100)
        UNION ALL
        SELECT 'approximate', c.relname, 'check', con.conname,
               concat_ws('; ', CASE WHEN NOT con.convalidated THEN 'NOT VALID left out: the manifest''s CHECK is '
                                     'validated (the rows already there are checked when it is created)' END,
                         CASE WHEN con.connoinherit THEN 'NO INHERIT left out: the manifest''s CHECK is inherited '
                                     'by child tables' END)
          FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND con.contype = 'c' AND (NOT con.convalidated OR con.connoinherit)
        UNION ALL
        SELECT 'approximate', c.relname, 'index', ic.relname,
               'its INCLUDE columns left out (' || pg_get_indexdef(i.indexrelid) || ')'
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND i.indnkeyatts < i.indnatts
        UNION ALL
        SELECT 'approximate', c.relname, 'index', ic.relname,
               'NULLS NOT DISTINCT left out: the manifest''s unique keys take NULLs as distinct'
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND i.indisunique
           -- pg_index.indnullsnotdistinct (PostgreSQL 15 and later; absent before, where no index has it): read
           -- from the row as JSON, which names it only where it exists (pg_get_indexdef of every index took 0.1 s)
           AND coalesce((to_jsonb(i) ->> 'indnullsnotdistinct')::boolean, false)
        UNION ALL
        SELECT 'approximate', c.relname, 'column', a.attname,
               'COLLATE ' || quote_ident(co.collname) || ' left out: the column compares by the database''s '
               'default collation'
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_type ty ON ty.oid = a.atttypid JOIN pg_collation co ON co.oid = a.attcollation
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attcollation <> 0 AND a.attcollation <> ty.typcollation
        UNION ALL
        SELECT 'approximate', c.relname, 'trigger', t.tgname,
               'its arguments left out: the function is called without them (TG_ARGV is empty)'
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND NOT t.tgisinternal AND t.tgnargs > 0
        UNION ALL
        SELECT 'approximate', c.relname, 'trigger', t.tgname,
               'a CONSTRAINT TRIGGER (DEFERRABLE): written as an ordinary trigger, fired at once'
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND NOT t.tgisinternal AND t.tgconstraint <> 0
        UNION ALL
        SELECT 'approximate', c.relname, 'trigger', t.tgname,
               'UPDATE OF its columns left out: it fires on every UPDATE'
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND NOT t.tgisinternal AND t.tgattr::text <> ''
        UNION ALL
        SELECT 'approximate', c.relname, 'trigger', t.tgname,
               CASE t.tgenabled WHEN 'D' THEN 'DISABLE TRIGGER left out: the trigger does not fire; the manifest''s '
                                              'trigger fires'
                                WHEN 'R' THEN 'ENABLE REPLICA TRIGGER left out: the trigger fires only where '
                                              'session_replication_role is replica; the manifest''s fires elsewhere'
                                ELSE 'ENABLE ALWAYS TRIGGER left out: the trigger fires also where '
                                     'session_replication_role is replica; the manifest''s does not' END
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND NOT t.tgisinternal AND t.tgenabled <> 'O'
        UNION ALL
        SELECT 'approximate', c.relname, 'table', c.relname,
               'UNLOGGED left out: the manifest''s table is logged (its rows survive a crash and reach replicas)'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND c.relpersistence = 'u'
        UNION ALL
        SELECT 'approximate', c.relname, 'table', c.relname,
               'REPLICA IDENTITY ' || CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING' ELSE
                   'USING INDEX ' || coalesce((SELECT quote_ident(ic.relname) FROM pg_index i
                                               JOIN pg_class ic ON ic.oid = i.indexrelid
                                               WHERE i.indrelid = c.oid AND i.indisreplident), '?') END ||
               ' left out: the manifest''s table has the default replica identity (its primary key, none without '
               'one), which logical replication sends for an UPDATE or DELETE (a published table without one '
               'refuses them)'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND c.relreplident <> 'd'
        UNION ALL
        SELECT 'approximate', c.relname, 'index', ic.relname,
               'CLUSTER ON left out: the manifest''s index is not the table''s clustering index (a CLUSTER of the '
               'table without an index name fails)'
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND i.indisclustered
        UNION ALL
        SELECT 'approximate', c.relname, 'table', c.relname,
               'INHERITS (' || string_agg(CASE WHEN pn.oid = n.oid THEN quote_ident(p.relname)
                                               ELSE quote_ident(pn.nspname) || '.' || quote_ident(p.relname) END,
                                          ', ' ORDER BY i.inhseqno) || ') left out: the manifest''s table stands '
               'alone (a query of the parent no longer reads its rows; the columns and CHECKs it inherited are '
               'its own)'
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         GROUP BY c.relname
        UNION ALL
        SELECT 'approximate', c.relname, 'table', c.relname,
               'WITH (' || array_to_string(coalesce(c.reloptions, '{}') || coalesce(ARRAY(
                   SELECT 'toast.' || o FROM unnest(tc.reloptions) AS o), '{}'), ', ') || ') left out: the '
               'manifest''s table has the server''s default storage parameters (fillfactor, autovacuum, …)'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class tc ON tc.oid = c.reltoastrelid
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
           AND (c.reloptions IS NOT NULL OR tc.reloptions IS NOT NULL)
        UNION ALL
        SELECT 'approximate', c.relname, 'index', ic.relname,
               'WITH (' || array_to_string(ic.reloptions, ', ') || ') left out: the manifest''s index has the '
               'server''s default storage parameters'
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND ic.reloptions IS NOT NULL
        UNION ALL
        SELECT 'approximate', c.relname, 'column', a.attname,
               concat_ws('; ',
                   CASE WHEN a.attoptions IS NOT NULL THEN 'SET (' || array_to_string(a.attoptions, ', ') || ')' END,
                   CASE WHEN a.attstorage <> ty.typstorage THEN 'SET STORAGE ' || CASE a.attstorage WHEN 'p' THEN
                        'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END END,
                   -- pg_attribute.attcompression (PostgreSQL 14 and later), read from the row as JSON
                   CASE WHEN coalesce(to_jsonb(a) ->> 'attcompression', '') <> ''
                        THEN 'SET COMPRESSION ' || CASE to_jsonb(a) ->> 'attcompression' WHEN 'p' THEN 'pglz'
                             WHEN 'l' THEN 'lz4' ELSE to_jsonb(a) ->> 'attcompression' END END,
                   CASE WHEN a.attstattarget >= 0 THEN 'SET STATISTICS ' || a.attstattarget END)
               || ' left out: the manifest''s column has the server''s default storage parameters'
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_type ty ON ty.oid = a.atttypid
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
           AND (a.attoptions IS NOT NULL OR a.attstorage <> ty.typstorage OR a.attstattarget >= 0
                OR coalesce(to_jsonb(a) ->> 'attcompression', '') <> '')
        UNION ALL
        SELECT 'approximate', c.relname, 'view', c.relname,
               'WITH (' || array_to_string(c.reloptions, ', ') || ') is not kept: the manifest''s view is created '
               'without options (without security_invoker, a view reads its tables with its owner''s rights; '
               'without check_option, an INSERT or UPDATE through it may write rows it does not show)'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND c.relkind = 'v' AND c.reloptions IS NOT NULL
        UNION ALL
        SELECT 'approximate', c.relname, 'view', c.relname,
               'COMMENT ON COLUMN ' || quote_ident(c.relname) || '.' || quote_ident(a.attname) || ' left out: the '
               'manifest''s view holds no column comments'
          FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
         WHERE n.nspname = %(schema)s AND c.relkind = 'v' AND d.objsubid > 0
        UNION ALL
        -- COMMENT ON an index, constraint, sequence, trigger, policy, enum or function: the manifest declares the
        -- comments of tables, columns and views only (comments.sql); these are listed, each with its object
        SELECT 'approximate', c.relname, 'index', ic.relname,
               'COMMENT ON INDEX ' || quote_ident(ic.relname) || ' left out: the manifest holds no comment on an index'
          FROM pg_description d JOIN pg_class ic ON ic.oid = d.objoid AND d.classoid = 'pg_class'::regclass
          JOIN pg_index i ON i.indexrelid = ic.oid JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND d.objsubid = 0
        UNION ALL
        SELECT 'approximate', c.relname, CASE con.contype WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check'
                                                          ELSE 'constraint' END, con.conname,
               'COMMENT ON CONSTRAINT ' || quote_ident(con.conname) || ' ON ' || quote_ident(c.relname) || ' left out: '
               'the manifest holds no comment on a constraint'
          FROM pg_description d JOIN pg_constraint con ON con.oid = d.objoid AND d.classoid = 'pg_constraint'::regclass
          JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
        UNION ALL
        SELECT 'approximate', s.relname, 'sequence', s.relname,
               'COMMENT ON SEQUENCE ' || quote_ident(s.relname) || ' left out: the manifest holds no comment on a '
               'sequence'
          FROM pg_description d JOIN pg_class s ON s.oid = d.objoid AND d.classoid = 'pg_class'::regclass
          JOIN pg_namespace n ON n.oid = s.relnamespace
         WHERE n.nspname = %(schema)s AND s.relkind = 'S' AND d.objsubid = 0 AND NOT EXISTS (SELECT 1 FROM pg_depend e
               WHERE e.classid = 'pg_class'::regclass AND e.objid = s.oid AND e.deptype = 'e')
        UNION ALL
        SELECT 'approximate', c.relname, 'trigger', t.tgname,
               'COMMENT ON TRIGGER ' || quote_ident(t.tgname) || ' ON ' || quote_ident(c.relname) || ' left out: the '
               'manifest holds no comment on a trigger'
          FROM pg_description d JOIN pg_trigger t ON t.oid = d.objoid AND d.classoid = 'pg_trigger'::regclass
          JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s AND NOT t.tgisinternal
        UNION ALL
        SELECT 'approximate', c.relname, 'policy', p.polname,
               'COMMENT ON POLICY ' || quote_ident(p.polname) || ' ON ' || quote_ident(c.relname) || ' left out: the '
               'manifest holds no comment on a policy'
          FROM pg_description d JOIN pg_policy p ON p.oid = d.objoid AND d.classoid = 'pg_policy'::regclass
          JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(schema)s
        UNION ALL
        SELECT 'approximate', ty.typname, 'enum', ty.typname,
               'COMMENT ON TYPE ' || quote_ident(ty.typname) || ' left out: the manifest holds no comment on a type'
          FROM pg_description d JOIN pg_type ty ON ty.oid = d.objoid AND d.classoid = 'pg_type'::regclass
          JOIN pg_namespace n ON n.oid = ty.typnamespace
         WHERE n.nspname = %(schema)s AND ty.typtype = 'e' AND NOT EXISTS (SELECT 1 FROM pg_depend e
               WHERE e.classid = 'pg_type'::regclass AND e.objid = ty.oid AND e.deptype = 'e')
        UNION ALL
        SELECT 'approximate', p.proname, 'function', p.proname,
               'COMMENT ON ' || CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END
               || ' ' || quote_ident(p.proname) || ' left out: the manifest holds no comment on a function'
          FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid AND d.classoid = 'pg_proc'::regclass
          JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = %(schema)s AND NOT EXISTS (SELECT 1 FROM pg_depend e
               WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
        UNION ALL
        SELECT 'approximate', s.relname, 'sequence', s.relname, 'CACHE ' || q.seqcache || ' left out'
          FROM pg_sequence q JOIN pg_class s ON s.oid = q.seqrelid JOIN pg_namespace n ON n.oid = s.relnamespace
         WHERE n.nspname = %(schema)s AND q.seqcache <> 1 AND NOT EXISTS (SELECT 1 FROM pg_depend d
               WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype = 'i')
        UNION ALL
        SELECT 'approximate', c.relname, 'identity', a.attname,
               concat_ws('; ', CASE WHEN a.attidentity = 'a' THEN 'GENERATED ALWAYS (the manifest''s identity is BY '
                                    'DEFAULT: an INSERT may give the value itself)' END,
                         CASE WHEN (q.seqstart, q.seqincrement, q.seqmin, q.seqcycle, q.seqcache) <> (1, 1, 1, false, 1)
                                   OR q.seqmax <> CASE format_type(a.atttypid, NULL) WHEN 'smallint' THEN 32767
                                                  WHEN 'integer' THEN 2147483647 ELSE 9223372036854775807 END
                              THEN format('sequence options START %%s INCREMENT %%s MINVALUE %%s MAXVALUE %%s%%s CACHE %%s '
                                          '(the manifest''s identity counts from 1 by 1)', q.seqstart, q.seqincrement,
                                          q.seqmin, q.seqmax, CASE WHEN q.seqcycle THEN ' CYCLE' ELSE '' END,
                                          q.seqcache) END)
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid = a.attnum
           AND d.deptype = 'i'
          JOIN pg_sequence q ON q.seqrelid = d.objid
         WHERE n.nspname = %(schema)s AND a.attidentity <> '' AND (a.attidentity = 'a'
               OR (q.seqstart, q.seqincrement, q.seqmin, q.seqcycle, q.seqcache) <> (1, 1, 1, false, 1)
               OR q.seqmax <> CASE format_type(a.atttypid, NULL) WHEN 'smallint' THEN 32767
                              WHEN 'integer' THEN 2147483647 ELSE 9223372036854775807 END)
        ORDER BY 2, 3, 4"""


# Columns of a schema other than public whose type (or array's element type) is public's while the schema holds a
# type of that name too (a domain, a table's row type, an extension's type; an enum is columns.sql's): the catalog
# is read with public on its path (READ_PATH) and a type of the schema itself without its schema (columns.sql), so
# both read as the bare name, and diff took public.qty for the schema's own qty.  A bare name is the schema's own
# type, as the manifest's DDL path (the schema, then public) finds it first; these read as public.<type>.
PUBLIC_SHADOWED_SQL = """
SELECT c.relname, a.attname
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  JOIN pg_type bt ON bt.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
  JOIN pg_namespace bn ON bn.oid = bt.typnamespace
 WHERE n.nspname = %(schema)s AND n.nspname <> 'public' AND bn.nspname = 'public' AND bt.typtype <> 'e'
   AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
   AND EXISTS (SELECT 1 FROM pg_type o WHERE o.typnamespace = n.oid AND o.typname = bt.typname)"""


def introspect(conn, schema: str | None) -> Catalog:
    with read_settings(conn):
        return _introspect(conn, schema or "public")


def _introspect(conn, schema: str) -> Catalog:
    return from_rows(_queries(conn, schema), schema)


def from_rows(q: dict[str, list], schema: str) -> Catalog:
    """The Catalog of the rows of each of the catalog's queries (as _queries reads them, or as
    drizzle_snapshot knows PostgreSQL would return them)."""
    names = [r[0] for r in q["tables"]]
    columns = defaultdict(list)
    comments = {(table, col): text for table, col, text in q["comments"]}
    shadowed = {(table, col) for table, col in q["shadowed"]}
    for table, col, typ, nullable, default, identity, generated in q["columns"]:
        said = comments.get((table, col))
        if (table, col) in shadowed and not typ.startswith("public."):
            typ = "public." + typ
        if generated:   # pg_attrdef holds the generation expression, not a default
            columns[table].append(CColumn(col, pg_type(typ), nullable, None, identity, generated=expr_key(
                default, "postgres"), stored=True, shown_generated=default, comment=said))
        else:
            columns[table].append(CColumn(col, pg_type(typ), nullable, default, identity, shown_default=default,
                                          comment=said))
    pks, uniques, fks, checks = {}, defaultdict(list), defaultdict(list), defaultdict(list)
    for table, name, kind, cols, ref_table, ref_cols, on_delete, on_update, check_sql, deferrable, deferred in \
            q["constraints"]:
        kind = _text(kind)
        if kind == "p":
            pks[table] = CKey(name, tuple(cols))
        elif kind == "u":
            uniques[table].append(CKey(name, tuple(cols)))
        elif kind == "f":
            fks[table].append(CForeignKey(name, tuple(cols), ref_table,
                                          tuple(ref_cols), PG_FK_ACTIONS[_text(on_delete)],
                                          PG_FK_ACTIONS[_text(on_update)],
                                          "deferred" if deferred else "immediate" if deferrable else None))
        elif kind == "c":
            checks[table].append(CCheck(name, expr_key(check_sql, "postgres"), check_sql))
    indexes = defaultdict(list)
    for table, name, unique, cols, desc, predicate, method, is_expr, nulls_first, opclasses in \
            q["indexes"]:
        keys = tuple(index_element(expr_key(c, "postgres")) if e else pg_unquote(c) for c, e in zip(cols, is_expr))
        # NULLS FIRST/LAST only where it differs from PostgreSQL's default (last ascending, first descending)
        nulls = sparse(("first" if nf else "last") if bool(nf) != bool(d) else None for d, nf in zip(desc, nulls_first))
        indexes[table].append(CIndex(name, tuple((k, bool(d)) for k, d in zip(keys, desc)), unique,
                                     expr_key(predicate, "postgres") if predicate else None, predicate,
                                     method=method, nulls=nulls, opclasses=sparse(opclasses),
                                     shown_columns=tuple(pg_unquote(c) for c in cols)))
    security = {name: ("enabled", "forced") if force and on else ("forced",) if force else ("enabled",)
                for name, on, force in q["row_security"]}
    tables = tuple(CTable(n, tuple(columns[n]), pks.get(n), tuple(uniques[n]), tuple(fks[n]), tuple(checks[n]),
                          tuple(indexes[n]), row_security=security.get(n, ()), comment=comments.get((n, None)))
                   for n in names)
    enums = tuple((name, tuple(labels)) for name, labels in q["enums"])
    views = tuple(CView(name, tuple(cols), expr_key(definition.strip().rstrip(";"), "postgres"), definition,
                        comment=comments.get((name, None)))
                  for name, definition, cols in q["views"])
    searches = tuple(CSearch(name, table, expr_key(doc, "postgres"), doc,
                             expr_key(predicate, "postgres") if predicate else None, predicate)
                     for table, name, doc, predicate in q["searches"])
    triggers, own_functions = [], set()
    for name, table, timing, event, body, fn, each, definition, fn_schema, definer, config in \
            q["triggers"]:
        when = _trigger_when(definition)
        extra = dict(each=each, when=expr_key(when, "postgres") if when else None, shown_when=when)
        if fn == name + "_fn" and fn_schema == schema:   # schemactl's own function holding the statements
            own_functions.add(fn)
            stmts, returns = trigger_body(body)
            triggers.append(CTrigger(name, table, timing, event, statements_key(stmts, "postgres"), stmts,
                                     returns=expr_key(returns, "postgres") if returns else None,
                                     shown_returns=returns, settings=settings_key(definer, config), **extra))
        else:
            called = fn if fn_schema == schema else f"{fn_schema}.{fn}"
            triggers.append(CTrigger(name, table, timing, event, "", f"EXECUTE FUNCTION {called}()",
                                     function=called, **extra))
    functions = tuple(CFunction(name, body_key(language, body), definition, settings_key(definer, config))
                      for name, language, body, definition, definer, config in q["functions"]
                      if name not in own_functions)
    sequences = tuple(CSequence(name, typ, int(start), int(inc), int(low), int(high), bool(cycle), owned)
                      for name, typ, start, inc, low, high, cycle, owned in q["sequences"])
    policies = tuple(CPolicy(name, table, cmd, tuple(sorted(roles)), permissive == "permissive",
                             expr_key(qual, "postgres") if qual else None,
                             expr_key(check, "postgres") if check else None, qual, check)
                     for table, name, permissive, roles, cmd, qual, check in q["policies"])
    beyond = tuple((table, kind, name, why) for _, table, kind, name, why in q["beyond"])
    return Catalog("postgres", tables, enums, views, searches, tuple(triggers), functions, sequences, policies,
                   beyond)


def _trigger_when(definition: str) -> str | None:
    """The WHEN condition of pg_get_triggerdef's statement, without its outer parentheses."""
    m = re.search(r"\bFOR EACH (?:ROW|STATEMENT)\s+WHEN\s+\((.*)\)\s+EXECUTE\s+(?:FUNCTION|PROCEDURE)\b", definition,
                  re.S | re.I)
    return m.group(1).strip() if m else None
