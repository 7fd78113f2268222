-- User triggers of one schema: timing, events, row/statement and WHEN from tgtype and pg_get_triggerdef,
-- and the function they run (its body, SECURITY DEFINER and SET settings, for schemactl's own <trigger>_fn
-- functions).
SELECT t.tgname AS trigger_name,
       c.relname AS table_name,
       CASE WHEN (t.tgtype & 2) = 2 THEN 'before' ELSE 'after' END AS timing,
       concat_ws(' or ', CASE WHEN (t.tgtype & 4) = 4 THEN 'insert' END,
                 CASE WHEN (t.tgtype & 16) = 16 THEN 'update' END,
                 CASE WHEN (t.tgtype & 8) = 8 THEN 'delete' END) AS event,
       p.prosrc AS body,
       p.proname AS function_name,
       CASE WHEN (t.tgtype & 1) = 1 THEN 'row' ELSE 'statement' END AS each,
       pg_get_triggerdef(t.oid) AS definition,
       pn.nspname AS function_schema,
       p.prosecdef AS function_security_definer,
       p.proconfig AS function_settings
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND NOT t.tgisinternal
ORDER BY t.tgname, c.relname
