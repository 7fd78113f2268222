"""Benchmark: `schemactl copy` of 1,000,000 rows SQLite -> PostgreSQL, against the shell pipeline
`sqlite3 -csv ... | psql -c '\\copy ... FROM STDIN CSV'` moving the same rows into the same table.

Run on demand:  python3 bench/copy_1m.py [--rows N] [--runs N]
Target (issue 18): copy <= 1.3x the pipeline.
PostgreSQL is schemactl's throwaway local server (one server, one target database per command, emptied
before every run); the sqlite3 and psql command-line tools come from the machine.
"""

from __future__ import annotations

import datetime as dt
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

import _bytecode
import _common as c

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
# SQLite holds timestamptz as integer milliseconds: the pipeline spells them as PostgreSQL reads them.
SELECT = ("SELECT id, kind, amount, strftime('%Y-%m-%d %H:%M:%f', happened_at / 1000.0, 'unixepoch') || '+00', ok "
          "FROM events")
COPY_IN = r"\copy events FROM STDIN CSV"
SAME = "SELECT count(*), md5(string_agg(e::text, ',' ORDER BY id)) FROM events e"


def source(path: Path, rows: int, m) -> None:
    from schemactl import render
    from schemactl.engines import sqlite as sqlite_engine
    db = sqlite_engine.connect(str(path))
    sqlite_engine.apply(db, render.ddl(m, "sqlite"))
    base = int(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
    db.execute("BEGIN")
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                   ((i, f"kind-{i % 7}", f"{i // 100}.{i % 100:02d}", base + i * 1000 + i % 1000, i % 2)
                    for i in range(rows)))
    db.execute("COMMIT")
    db.close()


def main() -> None:
    ap = c.parser(__doc__, "rows", 1_000_000)
    _bytecode.add_option(ap)
    args = ap.parse_args()
    c.schemactl()
    import psycopg
    from schemactl import render
    from schemactl.engines.postgres_local import LocalPostgres
    from schemactl.errors import EngineUnavailable
    from schemactl.manifest.load import load_text
    exe = c.schemactl_cmd()
    m = load_text(MANIFEST)
    missing = [tool for tool in ("sqlite3", "psql") if not shutil.which(tool)]
    with tempfile.TemporaryDirectory(prefix="schemactl-bench-") as d:
        work = Path(d)
        env = _bytecode.env(None, work, args)
        (work / "bench.yaml").write_text(MANIFEST)
        db = work / "source.db"
        source(db, args.rows, m)
        try:
            pg = LocalPostgres().start()
        except EngineUnavailable as exc:
            sys.exit(f"PostgreSQL server binaries not usable: {exc}")
        try:
            with psycopg.connect(pg.conninfo(), autocommit=True) as admin:
                for name in ("ours", "peer"):
                    admin.execute(f"CREATE DATABASE {name}")
                    with psycopg.connect(pg.conninfo(name), autocommit=True) as conn:
                        conn.execute(render.ddl(m, "postgres"))

            def empty(name: str):
                def truncate() -> None:
                    with psycopg.connect(pg.conninfo(name), autocommit=True) as conn:
                        conn.execute("TRUNCATE events")
                return truncate

            commands = [c.Command("schemactl copy", [*exe, "copy", "--manifest", "bench.yaml", "--from",
                                                     f"sqlite:///{db}", "--to", pg.url("ours")], work,
                                  env, before=empty("ours"))]
            if not missing:
                pipeline = (f"sqlite3 -csv {shlex.quote(str(db))} {shlex.quote(SELECT)} | "
                            f"psql -X -q -v ON_ERROR_STOP=1 -d {shlex.quote(pg.url('peer'))} -c {shlex.quote(COPY_IN)}")
                commands.append(c.Command("sqlite3 -csv | psql \\copy", ["bash", "-o", "pipefail", "-c", pipeline],
                                          work, before=empty("peer")))
            c.alternate(commands, args.runs, args.warmup)
            held = set()
            for name in ("ours", "peer")[:len(commands)]:
                with psycopg.connect(pg.conninfo(name)) as conn:
                    held.add(conn.execute(SAME).fetchone())
        finally:
            pg.stop()
    c.figures(f"copy, {args.rows:,} rows SQLite -> PostgreSQL", commands)
    if missing:
        c.not_installed(" and ".join(missing) + " command-line tool" + "s" * (len(missing) > 1))
        return
    if len(held) != 1 or next(iter(held))[0] != args.rows:
        print(f"warning: the two targets differ after the last run: {sorted(held)}")
    c.ratio(commands[0], commands[1], 1.3)


if __name__ == "__main__":
    sys.exit(main())
