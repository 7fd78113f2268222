-- Btree (and other non-GIN) indexes that do not back a primary key, unique or exclusion constraint.
-- GIN indexes are read by searches.sql.
SELECT c.relname AS table_name,
       ic.relname AS index_name,
       i.indisunique AS is_unique,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, s.n + 1, true)
             FROM generate_series(0, i.indnkeyatts - 1) AS s(n) ORDER BY s.n) AS columns,
       ARRAY(SELECT (i.indoption[s.n] & 1) = 1
             FROM generate_series(0, i.indnkeyatts - 1) AS s(n) ORDER BY s.n) AS descending,
       pg_get_expr(i.indpred, i.indrelid) AS predicate
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = %(schema)s
  AND am.amname <> 'gin'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                  WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY c.relname, ic.relname
