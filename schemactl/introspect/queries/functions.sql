-- Functions of one schema (not those of extensions): language, body, the engine's own definition, SECURITY
-- DEFINER and the settings of its SET clauses (name=value).
SELECT p.proname AS name,
       l.lanname AS language,
       p.prosrc AS body,
       pg_get_functiondef(p.oid) AS definition,
       p.prosecdef AS security_definer,
       p.proconfig AS settings
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = %(schema)s AND p.prokind = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'e')
ORDER BY p.proname, p.oid
