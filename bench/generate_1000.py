"""Benchmark: `schemactl generate` of a 1,000-table manifest, every output, against `drizzle-kit export`
(one output: the PostgreSQL DDL) of the same schema.

Run on demand:  python3 bench/generate_1000.py [--tables N] [--runs N]
Target (issue 18): generate <= 0.5x drizzle-kit export.
generate starts from an empty output directory each time (everything written); the peer file is the
generated schema.pg.ts.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import _bytecode
import _common as c
from _common import manifest  # noqa: F401  (the synthetic schema; tests import it from here)


def main() -> None:
    ap = c.parser(__doc__, "tables", 1000)
    _bytecode.add_option(ap)
    args = ap.parse_args()
    exe = c.schemactl_cmd()
    kit = c.drizzle_kit()
    with tempfile.TemporaryDirectory(prefix="schemactl-bench-") as d:
        work = c.project(Path(d) / "project", args.tables)
        env = _bytecode.env(None, Path(d), args)
        c.run(c.Command("schemactl generate", [*exe, "generate"], work, env))
        peer_dir = Path(d) / "peer"
        peer_dir.mkdir()
        shutil.copy(work / "generated" / "bench" / "schema.pg.ts", peer_dir / "schema.ts")
        outputs = len(list((work / "generated").rglob("*.*")))

        def empty() -> None:
            shutil.rmtree(work / "generated")

        commands = [c.Command(f"schemactl generate ({outputs} files)", [*exe, "generate"], work, env, before=empty)]
        if kit:
            c.link_node_modules(kit, peer_dir)
            commands.append(c.Command("drizzle-kit export (1 file)", [str(kit), "export", "--dialect", "postgresql",
                                                                      "--schema", "schema.ts"], peer_dir))
        c.alternate(commands, args.runs, args.warmup)
    c.figures(f"generate, {args.tables} tables", commands)
    if not kit:
        c.not_installed("drizzle-kit", "npm install drizzle-kit drizzle-orm")
        return
    c.ratio(commands[0], commands[1], 0.5)


if __name__ == "__main__":
    sys.exit(main())
