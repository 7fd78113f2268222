"""Benchmark: `schemactl copy` of 1,000,000 rows SQLite -> PostgreSQL (COPY), against a plain
row-by-row INSERT loop over the same rows.

Run on demand:  python3 bench/copy_1m.py [--rows N]
Target: at least 10x the row-by-row loop; prints rows/s and peak memory (bounded by the batch size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MANIFEST = """\
format: 1
name: bench
version: 1
tables:
  events:
    columns:
      id: {type: bigint, primary_key: true}
      kind: {type: text, nullable: false}
      amount: {type: "numeric(12,2)", nullable: false}
      happened_at: {type: timestamptz, nullable: false}
      ok: {type: boolean, nullable: false}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=20_000, help="rows for the row-by-row comparison")
    args = ap.parse_args()
    import psycopg
    from schemactl import datacopy, render
    from schemactl.engines import sqlite as sqlite_engine
    from schemactl.engines.postgres_local import LocalPostgres
    from schemactl.manifest.load import load_text
    m = load_text(MANIFEST)
    with tempfile.TemporaryDirectory() as d, LocalPostgres() as pg:
        src = sqlite_engine.connect(str(Path(d) / "src.db"))
        sqlite_engine.apply(src, render.ddl(m, "sqlite"))
        base = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        src.execute("BEGIN")
        src.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                        ((i, f"kind-{i % 7}", str(Decimal(i) / 100), int((base.timestamp() + i) * 1000), i % 2)
                         for i in range(args.rows)))
        src.execute("COMMIT")
        with psycopg.connect(pg.conninfo(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE target")
            admin.execute("CREATE DATABASE naive")
        dst = psycopg.connect(pg.conninfo("target"))
        dst.execute(render.ddl(m, "postgres"))
        dst.commit()
        t = time.perf_counter()
        datacopy.copy(m, src, "sqlite", dst, "postgres")
        took = time.perf_counter() - t
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        naive = psycopg.connect(pg.conninfo("naive"))
        naive.execute(render.ddl(m, "postgres"))
        naive.commit()
        rows = src.execute("SELECT * FROM events LIMIT ?", (args.sample,)).fetchall()
        t = time.perf_counter()
        with naive.cursor() as cur:
            for r in rows:   # the loop people write first: one INSERT per row, one transaction
                cur.execute("INSERT INTO events VALUES (%s, %s, %s, %s, %s)",
                            (r[0], r[1], Decimal(r[2]), dt.datetime.fromtimestamp(r[3] / 1000, dt.timezone.utc),
                             bool(r[4])))
        naive.commit()
        naive_rate = args.sample / (time.perf_counter() - t)
        dst.close()
        naive.close()
    rate = args.rows / took
    print(f"schemactl copy, {args.rows:,} rows SQLite -> PostgreSQL: {took:.2f} s, {rate:,.0f} rows/s, "
          f"peak memory {peak_mb:.0f} MB")
    print(f"row-by-row INSERT loop ({args.sample:,} rows): {naive_rate:,.0f} rows/s")
    print(f"ratio: {rate / naive_rate:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
