"""The benchmarks' synthetic manifest (bench/_common.py's ``manifest``), for tests that need a large one."""

from __future__ import annotations

import sys
from pathlib import Path

_BENCH = str(Path(__file__).resolve().parents[1] / "bench")
sys.path.insert(0, _BENCH)
try:
    from _common import manifest   # noqa: E402
finally:
    sys.path.remove(_BENCH)

__all__ = ["manifest"]
