-- Columns of the schema's tables whose type is an enum of another schema, with that enum's schema
-- (columns.sql names an enum by its bare name, which would read as the manifest's own enum of that name).
SELECT c.relname AS table_name, a.attname AS column_name, tn.nspname AS type_schema, t.typname AS type_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND t.typtype = 'e' AND tn.oid <> n.oid
ORDER BY 1, 2
