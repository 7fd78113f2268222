"""The Python runtime behind the matrix's driver contract (tests/runtime/README.md):

    python3 driver.py <bundle.json> migrate|verify|verify-deep sqlite <file> | postgres <conninfo>

prints one JSON line: {"ok": true, "applied": [...]} or {"ok": false, "error": ..., "message": ..., "differences": [...]}.
"""

from __future__ import annotations

import json
import sqlite3
import sys


def main(argv: list[str]) -> int:
    bundle_path, command, engine, target = argv
    from schemactl.runtime import MigrationError, SchemaMismatch, migrate, verify
    with open(bundle_path, encoding="utf-8") as fh:
        bundle = json.load(fh)
    if engine == "sqlite":
        conn = sqlite3.connect(target)
    else:
        import psycopg
        conn = psycopg.connect(target)
    try:
        if command == "migrate":
            out = {"ok": True, "applied": migrate(conn, bundle)}
        else:
            verify(conn, bundle, deep=command == "verify-deep")
            out = {"ok": True}
    except MigrationError as exc:
        out = {"ok": False, "error": "MigrationError", "message": str(exc), "differences": []}
    except SchemaMismatch as exc:
        out = {"ok": False, "error": "SchemaMismatch", "message": str(exc), "differences": exc.differences}
    finally:
        conn.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
