"""Benchmark: schemactl.runtime at service start-up.

Run on demand:  python3 bench/runtime_verify.py
Targets: `import schemactl.runtime` under 30 ms (fresh interpreter, no click/yaml/jinja2);
verify() well under 1 ms; verify(deep=True) under 5 ms for 50 SQLite tables.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: E402

_common.schemactl()   # the installed package; the checkout only when none is installed


def manifest(n: int) -> str:
    out = ["format: 1", "name: svc", "version: 1", "tables:"]
    for i in range(n):
        out += [f"  t{i:02d}:", "    columns:", "      id: {type: integer, primary_key: true, identity: true}",
                "      name: {type: varchar(80), nullable: false, unique: true}", "      at: timestamptz",
                "      flag: {type: boolean, nullable: false, default: false}"]
        if i:
            out += [f"      parent: {{type: integer, references: t{i - 1:02d}.id}}"]
        out += ["    indexes:", "      - columns: [{column: at, order: desc}]"]
    return "\n".join(out) + "\n"


def best(fn, n=200) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> None:
    code = "import time; t = time.perf_counter(); import schemactl.runtime; print((time.perf_counter() - t) * 1000)"
    imports = sorted(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                          env=_common.python_env()).stdout) for _ in range(5))
    from schemactl.manifest.load import load_text
    from schemactl.migrations.files import bundle_data, plan_next
    from schemactl.output import atomic_write_all
    from schemactl.runtime import migrate, verify
    with tempfile.TemporaryDirectory() as d:
        text = manifest(50)
        m = load_text(text)
        out = Path(d) / "out"
        atomic_write_all(plan_next(out, m, text, "init").files)
        from schemactl.migrations.files import chain_dir, read_lock
        bundle = bundle_data(out, m, read_lock(chain_dir(out)))
        conn = sqlite3.connect(str(Path(d) / "svc.db"))
        migrate(conn, bundle)
        shallow = best(lambda: verify(conn, bundle))
        deep = best(lambda: verify(conn, bundle, deep=True), 50)
    print(f"import schemactl.runtime: {imports[2]:.1f} ms median of 5 (target < 30 ms)")
    print(f"verify(): {shallow:.3f} ms (target well under 1 ms)")
    print(f"verify(deep=True), 50 SQLite tables: {deep:.2f} ms (target < 5 ms)")


if __name__ == "__main__":
    main()
