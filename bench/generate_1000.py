"""Benchmark: `schemactl generate` on a 1,000-table manifest (SQL and Drizzle TypeScript), the
TypeScript rendering alone, and `schemactl check` on this repo.

Run on demand:  python3 bench/generate_1000.py [--tables N]
Targets: generate of 1,000 tables under 1.5 s; check on the repo under 0.5 s; Drizzle TypeScript for
1,000 tables under 1 s.
Both are measured end to end as a user runs them (a new process each time, best of 5).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manifest(n: int) -> str:
    out = ["format: 1", "name: bench", "version: 1", "enums:", "  state: [new, active, closed]", "tables:"]
    for i in range(n):
        out += [
            f"  t{i:04d}:",
            "    columns:",
            "      id: {type: bigint, primary_key: true, identity: true}",
            "      uid: {type: uuid, nullable: false, default: {fn: uuid}, unique: true}",
            "      name: {type: varchar(120), nullable: false, check: \"length(name) > 0\"}",
            "      state: {type: state, nullable: false, default: new}",
            "      amount: {type: \"numeric(12,2)\", nullable: false, default: 0}",
            "      payload: {type: jsonb}",
            "      created_at: {type: timestamptz, nullable: false, default: {fn: now}}",
        ]
        if i:
            out += [f"      parent_id: {{type: bigint, references: {{table: t{i - 1:04d}, column: id, "
                    "on_delete: set null}}"]
        out += ["    indexes:", "      - columns: [state, {column: created_at, order: desc}]",
                "        where: \"state <> 'closed'\""]
    return "\n".join(out) + "\n"


def best_of(cmd, cwd, runs=5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if res.returncode not in (0,):
            sys.exit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr}")
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", type=int, default=1000)
    args = ap.parse_args()
    exe = shutil.which("schemactl") or sys.exit("schemactl is not installed (bash scripts/install.sh)")
    with tempfile.TemporaryDirectory() as d:
        project = Path(d)
        (project / "manifests").mkdir()
        (project / "manifests" / "bench.yaml").write_text(manifest(args.tables))
        gen = best_of([exe, "generate"], project)
        size = sum(p.stat().st_size for p in (project / "generated").rglob("*.sql"))
    check_repo = best_of([exe, "check"], ROOT)
    ts = typescript_time(manifest(args.tables))
    print(f"generate, {args.tables} tables: {gen:.3f} s  (target < 1.5 s; {size / 1e6:.1f} MB of DDL)")
    print(f"check on this repository:   {check_repo:.3f} s  (target < 0.5 s)")
    print(f"Drizzle TypeScript, both files, {args.tables} tables, in-process: {ts:.3f} s  (target < 1 s)")


def typescript_time(text: str) -> float:
    """Rendering schema.pg.ts + schema.sqlite.ts from a loaded model (best of 5)."""
    from schemactl.render import render_file
    from schemactl.manifest.load import load_text
    m = load_text(text)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        render_file(m, "schema.pg.ts")
        render_file(m, "schema.sqlite.ts")
        times.append(time.perf_counter() - t)
    return min(times)


if __name__ == "__main__":
    main()
