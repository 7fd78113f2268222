"""Benchmark: `schemactl import --drizzle` of a 1,000-table Drizzle schema.ts (PostgreSQL, its scratch
server started by the command), against `drizzle-kit export` of the same file.

Run on demand:  python3 bench/import_drizzle_1000.py [--tables N] [--runs N]
Target (issue 18): import <= 2x drizzle-kit export.
The schema.ts is schemactl's own generated schema.pg.ts of the synthetic manifest.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import _bytecode
import _common as c


def main() -> None:
    ap = c.parser(__doc__, "tables", 1000)
    _bytecode.add_option(ap)
    args = ap.parse_args()
    exe = c.schemactl_cmd()
    kit = c.drizzle_kit()
    if not kit:   # import --drizzle itself runs drizzle-kit: nothing to measure without it
        c.not_installed("drizzle-kit", "npm install drizzle-kit drizzle-orm")
        return
    with tempfile.TemporaryDirectory(prefix="schemactl-bench-") as d:
        source = c.project(Path(d) / "source", args.tables)
        env = _bytecode.env(None, Path(d), args)
        c.run(c.Command("schemactl generate", [*exe, "generate"], source, env))
        work = Path(d) / "team"
        work.mkdir()
        shutil.copy(source / "generated" / "bench" / "schema.pg.ts", work / "schema.ts")
        c.link_node_modules(kit, work)
        commands = [
            c.Command("schemactl import --drizzle", [*exe, "import", "--drizzle", "schema.ts", "--postgres", "local",
                                                     "-o", "bench.yaml"], work, env),
            c.Command("drizzle-kit export", [str(kit), "export", "--dialect", "postgresql", "--schema", "schema.ts"],
                      work),
        ]
        c.alternate(commands, args.runs, args.warmup)
    c.figures(f"import --drizzle, {args.tables} tables", commands)
    c.ratio(commands[0], commands[1], 2)


if __name__ == "__main__":
    sys.exit(main())
