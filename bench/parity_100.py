"""Benchmark: `schemactl parity` of a 100-table manifest, both engines, the start of a throwaway
PostgreSQL included, against `migra` diffing the same schema on two PostgreSQL servers already running.

Run on demand:  python3 bench/parity_100.py [--tables N] [--runs N] [--install-peers]
Target (issue 18): parity <= 0.8x migra.
migra is used when installed (on PATH or beside this Python); --install-peers installs it into a
throwaway virtual environment for this run only.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import _bytecode
import _common as c


def install_migra(where: Path) -> str:
    print("installing migra into a throwaway virtual environment ...", flush=True)
    venv.create(where, with_pip=True)
    subprocess.run([str(where / "bin" / "python"), "-m", "pip", "install", "-qq", "--disable-pip-version-check",
                    "migra[pg]"], check=True)
    return str(where / "bin" / "migra")


@contextlib.contextmanager
def two_servers(text: str):
    """Two throwaway PostgreSQL servers, each holding the schema in database "bench"; their URLs."""
    c.schemactl()
    import psycopg
    from schemactl import render
    from schemactl.engines.postgres_local import LocalPostgres
    from schemactl.manifest.load import load_text
    ddl = render.ddl(load_text(text), "postgres")
    with LocalPostgres() as a, LocalPostgres() as b:
        for pg in (a, b):
            with psycopg.connect(pg.conninfo(), autocommit=True) as admin:
                admin.execute("CREATE DATABASE bench")
            with psycopg.connect(pg.conninfo("bench"), autocommit=True) as conn:
                conn.execute(ddl)
        # migra speaks psycopg2 (its [pg] extra); SQLAlchemy 2.1 would pick psycopg 3 for postgresql://
        yield [pg.url("bench").replace("postgresql://", "postgresql+psycopg2://", 1) for pg in (a, b)]


def main() -> None:
    ap = c.parser(__doc__, "tables", 100)
    _bytecode.add_option(ap)
    ap.add_argument("--install-peers", action="store_true", help="install migra into a throwaway venv for this run")
    args = ap.parse_args()
    exe = c.schemactl_cmd()
    with tempfile.TemporaryDirectory(prefix="schemactl-bench-") as d, contextlib.ExitStack() as stack:
        work = c.project(Path(d) / "project", args.tables)
        env = _bytecode.env(None, Path(d), args)
        c.run(c.Command("schemactl generate", [*exe, "generate"], work, env))
        commands = [c.Command("schemactl parity (incl. server start)", [*exe, "parity", "--postgres", "local"], work,
                              env)]
        migra = c.executable("migra") or (install_migra(Path(d) / "venv") if args.install_peers else None)
        if migra:
            urls = stack.enter_context(two_servers((work / "manifests" / "bench.yaml").read_text()))
            commands.append(c.Command("migra (servers running)", [migra, "--unsafe", *urls], work, ok=(0, 2)))
        c.alternate(commands, args.runs, args.warmup)
    c.figures(f"parity, {args.tables} tables", commands)
    if not migra:
        c.not_installed("migra", "pass --install-peers to use a throwaway venv")
        return
    c.ratio(commands[0], commands[1], 0.8)


if __name__ == "__main__":
    sys.exit(main())
