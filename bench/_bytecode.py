"""Bytecode for the schemactl processes a benchmark starts, as an installed package has it.

pip compiles a wheel's modules when it installs them; a checkout run with PYTHONDONTWRITEBYTECODE=1
(set on some shared machines) compiles every schemactl module in every process instead, 0.15-0.2 s
that no user of the package pays.  The benchmarks give schemactl's processes a private bytecode cache
(PYTHONPYCACHEPREFIX in the benchmark's temporary directory, filled by the untimed first run) and
say so on their first line.  --compile-each-run keeps the environment's setting.
"""

from __future__ import annotations

import os
from pathlib import Path


def add_option(ap) -> None:
    ap.add_argument("--compile-each-run", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE as set: schemactl's modules are compiled in every process")


def env(base: dict | None, where: Path, args) -> dict:
    """``base`` (default: this environment) with a private bytecode cache under ``where``."""
    out = dict(os.environ if base is None else base)
    if args.compile_each_run:
        print("bytecode: as the environment has it (PYTHONDONTWRITEBYTECODE="
              f"{out.get('PYTHONDONTWRITEBYTECODE', '')!r})")
        return out
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    out["PYTHONPYCACHEPREFIX"] = str(where / "pycache")
    print("bytecode: compiled once into a private cache, as an installed package has it "
          "(--compile-each-run: as the environment has it)")
    return out
