"""Benchmark: `schemactl parity` on a 100-table manifest, end to end, both engines,
including the start of a throwaway PostgreSQL; and migra diffing the same two
PostgreSQL schemas for comparison.

Run on demand:  python3 bench/parity_100.py [--tables N]
Target (parity issue): under 3 s end to end on the project's machine.
migra is optional: pip install migra psycopg2-binary (the bench says so when it is missing).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_1000 import manifest  # noqa: E402


def timed(cmd, cwd=None, ok=(0,)) -> float:
    t = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - t
    if res.returncode not in ok:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return took


def migra_time(manifest_path: Path) -> str:
    exe = shutil.which("migra")
    if not exe:
        return "migra not installed (pip install migra psycopg2-binary)"
    import psycopg
    from schemactl import render
    from schemactl.engines.postgres_local import LocalPostgres
    from schemactl.manifest.load import load_file
    m = load_file(manifest_path)
    with LocalPostgres() as pg:
        with psycopg.connect(pg.conninfo(), autocommit=True) as admin:
            for db in ("a", "b"):
                admin.execute(f"CREATE DATABASE {db}")
                with psycopg.connect(pg.conninfo(db), autocommit=True) as conn:
                    conn.execute(render.ddl(m, "postgres"))
        urls = [f"postgresql://postgres@/{db}?host={pg.base}" for db in ("a", "b")]
        took = min(timed([exe, "--unsafe", *urls], ok=(0, 2, 3)) for _ in range(3))
    return f"{took:.3f} s (same two schemas, server already running; best of 3)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", type=int, default=100)
    args = ap.parse_args()
    exe = shutil.which("schemactl") or sys.exit("schemactl is not installed (bash scripts/install.sh)")
    with tempfile.TemporaryDirectory() as d:
        project = Path(d)
        (project / "manifests").mkdir()
        path = project / "manifests" / "bench.yaml"
        path.write_text(manifest(args.tables))
        timed([exe, "parity", "--postgres", "local"], cwd=project)  # warm the initdb template cache
        runs = [timed([exe, "parity", "--postgres", "local"], cwd=project) for _ in range(3)]
        print(f"schemactl parity, {args.tables} tables, PostgreSQL + SQLite, incl. server start: "
              f"{min(runs):.3f} s best, {max(runs):.3f} s worst of 3 (target < 3 s)")
        print(f"migra, PostgreSQL only: {migra_time(path)}")


if __name__ == "__main__":
    main()
