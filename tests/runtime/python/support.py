"""Driver for the Python runtime (same contract as tests/runtime/typescript and tests/runtime/rust)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

DRIVER = Path(__file__).with_name("driver.py")


class Driver:
    def __init__(self, out_dir: Path):
        self.bundle = out_dir / "bundle.json"

    def run(self, command: str, engine: str, target: str, via: str = "plain") -> dict:
        done = subprocess.run([sys.executable, str(DRIVER), str(self.bundle), command, engine, target]
                              + ([via] if via != "plain" else []), capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])


def build_driver(out_dir: Path, work: Path) -> Driver:
    return Driver(out_dir)
