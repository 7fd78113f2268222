"""Benchmark: the generated Rust crate at service start-up, on SQLite.

Run on demand:  python3 bench/runtime_rust.py
Targets: verify_sqlite(&conn, false) under 1 ms; verify_sqlite(&conn, true) under 5 ms for 50 SQLite tables.
Builds the crate (release) offline against Debian's packaged crates, as the tests do (scripts/install.sh);
SCHEMACTL_CARGO_TARGET_DIR keeps the compiled dependencies between runs.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: E402

_common.schemactl()   # the installed package; the checkout only when none is installed
sys.path.append(str(_common.CHECKOUT))   # its tests/ hold the Rust driver


def main() -> None:
    from runtime_verify import manifest
    from schemactl.manifest.load import load_text
    from schemactl.migrations.files import plan_next
    from schemactl.output import atomic_write_all
    from tests.runtime.rust.support import build_driver
    with tempfile.TemporaryDirectory() as d:
        text = manifest(50)
        out = Path(d) / "generated" / "svc"
        atomic_write_all(plan_next(out, load_text(text), text, "init").files)
        started = time.perf_counter()
        driver = build_driver(out, Path(d) / "driver", release=True)
        built = time.perf_counter() - started
        result = driver.bench(Path(d) / "svc.db", 200)
    print(f"release build of the driver: {built:.1f} s")
    print(f"verify_sqlite(&conn, false): {result['shallow_ms']:.3f} ms best of 200 (target < 1 ms)")
    print(f"verify_sqlite(&conn, true), 50 SQLite tables: {result['deep_ms']:.2f} ms best of 200 (target < 5 ms)")


if __name__ == "__main__":
    main()
