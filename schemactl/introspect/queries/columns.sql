-- Columns in position order, with the type as format_type() spells it (enum types by their bare name, an enum
-- of another schema, or an array of one, with its schema: never the manifest's enum of that name, which
-- format_type's spelling of an enum the read path reaches would read as, public.mood[] as mood[]), nullability,
-- default (a generated column's expression) and identity, then whether the column is generated (stored:
-- PostgreSQL 15 has no other kind).
SELECT c.relname AS table_name,
       a.attname AS column_name,
       CASE WHEN e.typnamespace <> c.relnamespace
            THEN quote_ident(en.nspname) || '.' || quote_ident(e.typname) || CASE WHEN e.oid <> t.oid THEN '[]' ELSE '' END
            WHEN t.typtype = 'e' THEN t.typname::text
            -- a type of the table's own schema without it: format_type writes it where the read path does not
            -- reach that schema (app's mood[] as app.mood[]), and the bundle and the manifest name it bare
            WHEN starts_with(format_type(a.atttypid, a.atttypmod), quote_ident(n.nspname) || '.')
            THEN substr(format_type(a.atttypid, a.atttypmod), length(quote_ident(n.nspname)) + 2)
            ELSE format_type(a.atttypid, a.atttypmod) END AS type,
       NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS default_sql,
       a.attidentity <> '' AS identity,
       a.attgenerated <> '' AS generated
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
-- the enum of the column, or of its array's elements
LEFT JOIN pg_type e ON e.oid = CASE WHEN t.typtype = 'e' THEN t.oid WHEN t.typcategory = 'A' THEN t.typelem END
                   AND e.typtype = 'e'
LEFT JOIN pg_namespace en ON en.oid = e.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
