"""Write schemactl/manifest/pg_functions.json: the names of PostgreSQL's built-in functions.

Read from pg_proc (schema pg_catalog) of a real server: the one at the connection string given as the
first argument, or a throwaway server started from the local PostgreSQL binaries.  `schemactl validate`
uses the list to refuse an expression that calls a function PostgreSQL does not have.

    python3 scripts/pg_functions.py [CONNINFO]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "schemactl" / "manifest" / "pg_functions.json"
QUERY = "SELECT DISTINCT proname FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace ORDER BY 1"


def read(conninfo: str) -> dict:
    import psycopg
    with psycopg.connect(conninfo) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        names = [r[0] for r in conn.execute(QUERY)]
    return {"source": "pg_proc, schema pg_catalog", "server_version_num": int(version), "functions": names}


def main(argv: list[str]) -> None:
    if argv:
        data = read(argv[0])
    else:
        from schemactl.engines.postgres_local import LocalPostgres
        with LocalPostgres() as server:
            data = read(server.conninfo())
    OUT.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")
    print(f"{OUT.name}: {len(data['functions'])} functions")


if __name__ == "__main__":
    main(sys.argv[1:])
