-- Foreign keys of the schema's tables that reference a table of another schema, with that table's schema
-- (constraints.sql names the referenced table alone, which would read as the manifest's own table).
SELECT c.relname AS table_name, k.conname AS name, fn.nspname AS ref_schema, fc.relname AS ref_table
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class fc ON fc.oid = k.confrelid
JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE n.nspname = %(schema)s AND k.contype = 'f' AND fn.oid <> n.oid
ORDER BY 1, 2
