-- Indexes that do not back a primary key, unique or exclusion constraint, except schemactl's full-text
-- searches (GIN on to_tsvector(...), read by searches.sql).  Per key: the column or expression as
-- pg_get_indexdef spells it, DESC, whether it is an expression, NULLS FIRST, and its operator class
-- where that is not the type's default.
SELECT c.relname AS table_name,
       ic.relname AS index_name,
       i.indisunique AS is_unique,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, s.n + 1, true)
             FROM generate_series(0, i.indnkeyatts - 1) AS s(n) ORDER BY s.n) AS columns,
       ARRAY(SELECT (i.indoption[s.n] & 1) = 1
             FROM generate_series(0, i.indnkeyatts - 1) AS s(n) ORDER BY s.n) AS descending,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       am.amname AS method,
       ARRAY(SELECT i.indkey[s.n] = 0
             FROM generate_series(0, i.indnkeyatts - 1) AS s(n) ORDER BY s.n) AS is_expression,
       ARRAY(SELECT (i.indoption[s.n] & 2) = 2
             FROM generate_series(0, i.indnkeyatts - 1) AS s(n) ORDER BY s.n) AS nulls_first,
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname::text END
             FROM generate_series(0, i.indnkeyatts - 1) AS s(n)
             JOIN pg_opclass oc ON oc.oid = i.indclass[s.n] ORDER BY s.n) AS opclasses
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = %(schema)s
  AND NOT (am.amname = 'gin' AND pg_get_indexdef(i.indexrelid, 1, true) LIKE 'to_tsvector(%%')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                  WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY c.relname, ic.relname
