-- COMMENT ON TABLE (column_name NULL) and COMMENT ON COLUMN of the schema's tables, and COMMENT ON VIEW
-- (column_name NULL; a view column's comment, which no manifest holds, is BEYOND_MODEL_SQL's).
SELECT c.relname AS table_name, a.attname AS column_name, d.description
FROM pg_description d
JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
WHERE n.nspname = %(schema)s AND (c.relkind IN ('r', 'p') AND (d.objsubid = 0 OR a.attname IS NOT NULL)
                               OR c.relkind = 'v' AND d.objsubid = 0)
ORDER BY 1, 2 NULLS FIRST
