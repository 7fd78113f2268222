-- Views of one schema: definition as pg_get_viewdef gives it, and result column names in order.
SELECT c.relname AS view_name,
       pg_get_viewdef(c.oid, true) AS definition,
       ARRAY(SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS columns
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('v', 'm')
ORDER BY c.relname
