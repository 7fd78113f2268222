"""The ratio benchmarks run (tiny sizes, one run each), from a directory outside the checkout, against the
installed schemactl, and print their ratio line or say which peer is not installed.  Nothing is timed
here: the figures are bench/'s business, run on demand."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

BENCH = ROOT / "bench"
RATIO = re.compile(r"^ratio .+: \d+\.\d\dx \(target <= [\d.]+x: (met|not met)\)$", re.M)
NOT_INSTALLED = re.compile(r"^.+ not installed: ratio not measured", re.M)


def _postgres_missing() -> str | None:
    from schemactl.engines.postgres_local import find_binaries
    from schemactl.errors import EngineUnavailable
    try:
        find_binaries()
    except EngineUnavailable as exc:
        return f"PostgreSQL server binaries missing: {exc}"
    return None


def _node_missing() -> str | None:
    sys.path.insert(0, str(BENCH))
    try:
        from _common import drizzle_kit
        kit = drizzle_kit()
    finally:
        sys.path.remove(str(BENCH))
    if kit is not None and shutil.which("node") is None:
        return "drizzle-kit is installed but node is not"
    return None


CASES = {
    "check_200": (["--tables", "4"], []),
    "generate_1000": (["--tables", "4"], []),
    "parity_100": (["--tables", "3"], [_postgres_missing]),
    "import_drizzle_1000": (["--tables", "3"], [_postgres_missing, _node_missing]),
    "copy_1m": (["--rows", "1000"], [_postgres_missing]),
}


@pytest.mark.parametrize("script", list(CASES))
def test_bench_prints_its_ratio_or_the_missing_peer(script, tmp_path):
    size, needs = CASES[script]
    for need in needs:
        why = need()
        if why:
            print(why)
            pytest.skip(why)
    res = subprocess.run([sys.executable, str(BENCH / f"{script}.py"), *size, "--runs", "1", "--warmup", "0"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=180)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert RATIO.search(res.stdout) or NOT_INSTALLED.search(res.stdout), out
    assert "schemactl from its installation" in res.stdout, out   # never the checkout ahead of the install
    # every ratio bench runs schemactl with compiled bytecode, as an installed package has it
    assert "bytecode: compiled once into a private cache" in res.stdout, out
