"""Writes schemactl/knownkeys.py from the installed sqlglot (tests/test_sqlfast.py checks it is current)."""
import sys
from schemactl.literals import FUNCTIONS
from schemactl import normalize

def texts():
    out = set()
    for kinds in FUNCTIONS.values():
        for engines in kinds.values():
            for e, sql in engines.items():
                for s in (sql.values() if isinstance(sql, dict) else [sql]):
                    out.add((s, e))
                    out.add((f"({s})", e))
    return sorted(out)

def slow(s, e):
    return normalize.tree_key(normalize.sqlglot.parse_one(s, read=normalize.SQLGLOT_DIALECT[e]), e)

lines = ['"""Structural keys (normalize.expr_key) of the SQL schemactl writes for the portable default functions,',
         "as sqlglot reads them: both catalogs give these texts back on every table with a uuid or now() default, and",
         "the keys spare each process the sqlglot import.  Generated from the installed sqlglot; tests/test_sqlfast.py",
         'fails when they differ from what it reads (regenerate: python3 tests/gen_knownkeys.py)."""', "",
         "KEYS = {"]
for s, e in texts():
    lines.append(f"    ({s!r}, {e!r}):")
    lines.append(f"        {slow(s, e)!r},")
lines.append("}")
text = "\n".join(lines) + "\n"
if __name__ == "__main__":
    sys.stdout.write(text)
