-- Primary keys, unique constraints, foreign keys and checks, columns in key order; a key to a table of another
-- schema names that table with its schema (never the manifest's own table of that name).
SELECT c.relname AS table_name,
       k.conname AS name,
       k.contype AS kind,
       ARRAY(SELECT a.attname
             FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
             ORDER BY u.ord) AS columns,
       CASE WHEN fc.relnamespace <> c.relnamespace THEN quote_ident(fn.nspname) || '.' || quote_ident(fc.relname)
            ELSE fc.relname END AS ref_table,
       ARRAY(SELECT a.attname
             FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
             ORDER BY u.ord) AS ref_columns,
       k.confdeltype AS on_delete,
       k.confupdtype AS on_update,
       CASE WHEN k.contype = 'c' THEN pg_get_expr(k.conbin, k.conrelid) END AS check_sql,
       k.condeferrable AS deferrable,
       k.condeferred AS deferred
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = k.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE n.nspname = %(schema)s AND k.contype IN ('p', 'u', 'f', 'c')
ORDER BY c.relname, k.conname
