-- User triggers of one schema: timing and event from tgtype, and the body of the function they run.
SELECT t.tgname AS trigger_name,
       c.relname AS table_name,
       CASE WHEN (t.tgtype & 2) = 2 THEN 'before' ELSE 'after' END AS timing,
       CASE WHEN (t.tgtype & 4) = 4 THEN 'insert' WHEN (t.tgtype & 8) = 8 THEN 'delete' ELSE 'update' END AS event,
       p.prosrc AS body
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
WHERE n.nspname = %(schema)s AND NOT t.tgisinternal
ORDER BY t.tgname
