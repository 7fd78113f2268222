-- Columns in position order, with the type as format_type() spells it (enum types by their bare name, an enum
-- of another schema with its schema: never the manifest's enum of that name), nullability, default (a generated
-- column's expression) and identity, then whether the column is generated (stored: PostgreSQL 15 has no other
-- kind).
SELECT c.relname AS table_name,
       a.attname AS column_name,
       CASE WHEN t.typtype <> 'e' THEN format_type(a.atttypid, a.atttypmod)
            WHEN t.typnamespace <> c.relnamespace THEN quote_ident(tn.nspname) || '.' || quote_ident(t.typname)
            ELSE t.typname END AS type,
       NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS default_sql,
       a.attidentity <> '' AS identity,
       a.attgenerated <> '' AS generated
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
