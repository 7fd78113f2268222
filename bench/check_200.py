"""Benchmark: `schemactl check` (the pre-commit hook) on a 200-table project with nothing stale, against
`drizzle-kit export` (one dialect) of the same schema.

Run on demand:  python3 bench/check_200.py [--tables N] [--runs N]
Target (issue 18): check <= 0.3x drizzle-kit export.
Both checks are measured: the first (full: load, render, compare; its clean result is then recorded in
the cache) and the repeated one (answered from the recorded hashes).  The benchmark uses its own
XDG_CACHE_HOME, emptied before every first check.  The peer file is schemactl's own schema.pg.ts.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import _bytecode
import _common as c


def main() -> None:
    ap = c.parser(__doc__, "tables", 200)
    _bytecode.add_option(ap)
    args = ap.parse_args()
    exe = c.schemactl_cmd()
    kit = c.drizzle_kit()
    with tempfile.TemporaryDirectory(prefix="schemactl-bench-") as d:
        work = c.project(Path(d) / "project", args.tables)
        cache = Path(d) / "cache"
        env = _bytecode.env(c.clean_env(XDG_CACHE_HOME=str(cache)), Path(d), args)
        c.run(c.Command("schemactl generate", [*exe, "generate"], work, env))   # nothing stale from here on

        def forget() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        full = c.Command("schemactl check, first (full)", [*exe, "check"], work, env, before=forget)
        fast = c.Command("schemactl check, repeated (fast)", [*exe, "check"], work, env)
        commands = [full, fast]
        if kit:
            c.link_node_modules(kit, work)
            commands.append(c.Command("drizzle-kit export", [str(kit), "export", "--dialect", "postgresql",
                                                              "--schema", "generated/bench/schema.pg.ts"], work, env))
        c.alternate(commands, args.runs, args.warmup)
        if not list(cache.glob("schemactl/check-*.json")):
            print("note: the full check recorded no stamp, so the repeated check was a full one too")
    c.figures(f"check, {args.tables} tables, nothing stale", commands)
    if not kit:
        c.not_installed("drizzle-kit", "npm install drizzle-kit drizzle-orm")
        return
    c.ratio(full, commands[2], 0.3)
    c.ratio(fast, commands[2], 0.3)


if __name__ == "__main__":
    sys.exit(main())
