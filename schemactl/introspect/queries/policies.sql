-- Row-level security policies of one schema.
SELECT p.tablename, p.policyname, lower(p.permissive) AS permissive, p.roles::text[] AS roles, lower(p.cmd) AS cmd,
       p.qual, p.with_check
FROM pg_policies p
WHERE p.schemaname = %(schema)s
ORDER BY p.tablename, p.policyname
