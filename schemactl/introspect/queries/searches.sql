-- Full-text search indexes: GIN indexes on to_tsvector(...), with the expression they index and the WHERE of a
-- partial one.
SELECT c.relname AS table_name,
       ic.relname AS index_name,
       pg_get_indexdef(i.indexrelid, 1, true) AS document,
       pg_get_expr(i.indpred, i.indrelid) AS predicate
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = %(schema)s AND am.amname = 'gin'
  AND pg_get_indexdef(i.indexrelid, 1, true) LIKE 'to_tsvector(%%'
ORDER BY c.relname, ic.relname
