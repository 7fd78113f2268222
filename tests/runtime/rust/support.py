"""Building and running the generated Rust crate in tests, offline.

The crates come from Debian's packages (/usr/share/cargo/registry, installed by scripts/install.sh); the
cargo configuration that points there is written into each test crate's own directory, never into the
generated crate.  One CARGO_TARGET_DIR serves the whole test run, so the dependencies compile once and
each chain's crate then builds in seconds.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from schemactl.render.rust import crate_name

HERE = Path(__file__).resolve().parent
DEBIAN_REGISTRY = Path("/usr/share/cargo/registry")
NEEDED = ("rusqlite-", "tokio-postgres-", "tokio-1")

CARGO_CONFIG = f"""\
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "{DEBIAN_REGISTRY}"

[net]
offline = true
"""

_target: list[Path] = []


def cargo() -> str:
    """The cargo binary, or a skip naming what to install."""
    exe = shutil.which("cargo")
    have = {p.name for p in DEBIAN_REGISTRY.iterdir()} if DEBIAN_REGISTRY.is_dir() else set()
    if exe is None or not all(any(n.startswith(prefix) for n in have) for prefix in NEEDED):
        pytest.skip("cargo or Debian's Rust crates are missing (scripts/install.sh installs them)")
    return exe


def target_dir() -> Path:
    """The run's shared CARGO_TARGET_DIR (SCHEMACTL_CARGO_TARGET_DIR keeps one across runs)."""
    if not _target:
        given = os.environ.get("SCHEMACTL_CARGO_TARGET_DIR")
        if given:
            _target.append(Path(given))
        else:
            d = Path(tempfile.mkdtemp(prefix="schemactl-cargo-"))
            atexit.register(shutil.rmtree, d, True)
            _target.append(d)
    return _target[0]


def run_cargo(work: Path, *args: str, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    exe = cargo()
    full_env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir()), CARGO_TERM_COLOR="never", **(env or {}))
    proc = subprocess.run([exe, *args], cwd=work, env=full_env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"cargo {' '.join(args)} failed in {work}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def _toml_str(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string for the paths used here


def _write_crate(work: Path, name: str, out_dir: Path, features: str, extra: str, source: Path,
                 target: str) -> None:
    work.mkdir(parents=True, exist_ok=True)
    (work / ".cargo").mkdir(exist_ok=True)
    (work / ".cargo" / "config.toml").write_text(CARGO_CONFIG)
    (work / "src").mkdir(exist_ok=True)
    shutil.copyfile(source, work / "src" / target)
    crate = crate_name(json.loads((out_dir / "bundle.json").read_text("utf-8"))["schema"])
    (work / "Cargo.toml").write_text(f"""\
[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

{extra}
[dependencies]
schema = {{ package = "{crate}", path = {_toml_str(str((out_dir / "rust").resolve()))}{features} }}
""")


@dataclass
class Driver:
    """The harness binary (tests/runtime/rust/harness/main.rs) built against one generated crate."""
    work: Path
    exe: Path

    def run(self, command: str, engine: str, target: str) -> dict:
        proc = subprocess.run([str(self.exe), command, engine, str(target)], capture_output=True, text=True,
                              timeout=300)
        lines = proc.stdout.strip().splitlines()
        assert proc.returncode == 0 and len(lines) == 1, \
            f"driver {command} {engine} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        return json.loads(lines[0])

    def start(self, command: str, engine: str, target: str) -> subprocess.Popen:
        return subprocess.Popen([str(self.exe), command, engine, str(target)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def bench(self, path: Path, rounds: int) -> dict:
        proc = subprocess.run([str(self.exe), "bench", "sqlite", str(path), str(rounds)], capture_output=True,
                              text=True, check=True, timeout=300)
        return json.loads(proc.stdout)

    def cargo_test(self, env: dict) -> subprocess.CompletedProcess:
        """`cargo test` of the harness: its #[test]s run against a SQLite file and SCHEMACTL_TEST_PG."""
        return run_cargo(self.work, "test", "--quiet", env=env)


HARNESS_DEPS = """\
[[bin]]
name = "driver"
path = "src/main.rs"
"""


def build_driver(out_dir: Path, work: Path, *, release: bool = False) -> Driver:
    """A small binary crate in ``work`` depending on ``out_dir``/rust (features sqlite and postgres);
    ``release`` builds it optimised (benchmarks)."""
    _write_crate(work, "schemactl-rust-driver", out_dir, ', features = ["sqlite", "postgres"]', HARNESS_DEPS,
                 HERE / "harness" / "main.rs", "main.rs")
    with (work / "Cargo.toml").open("a") as fh:
        fh.write(DRIVER_DEPS)
    run_cargo(work, "build", "--quiet", *(["--release"] if release else []))
    exe = work / "driver"   # the shared target directory's copy is the next chain's driver
    shutil.copy2(target_dir() / ("release" if release else "debug") / "driver", exe)
    return Driver(work, exe)


DRIVER_DEPS = """\
rusqlite = ">=0.28, <1"
tokio-postgres = ">=0.7, <1"
tokio = { version = "1", features = ["rt", "net", "time"] }
"""

PROBE_FEATURES = """\
[lib]
path = "src/lib.rs"

[features]
sqlite = ["schema/sqlite", "dep:rusqlite"]
postgres = ["schema/postgres", "dep:tokio-postgres", "dep:tokio"]
"""

PROBE_DEPS = """\
rusqlite = { version = ">=0.28, <1", optional = true }
tokio-postgres = { version = ">=0.7, <1", optional = true }
tokio = { version = "1", features = ["rt", "net", "time"], optional = true }
"""


def build_probe(out_dir: Path, work: Path, features: list[str]) -> subprocess.CompletedProcess:
    """Compile tests/runtime/rust/probe/lib.rs against the crate with exactly ``features``."""
    _write_crate(work, "schemactl-rust-probe", out_dir, ", default-features = false", PROBE_FEATURES,
                 HERE / "probe" / "lib.rs", "lib.rs")
    with (work / "Cargo.toml").open("a") as fh:
        fh.write(PROBE_DEPS)
    args = ["build", "--no-default-features"] + (["--features", ",".join(features)] if features else [])
    return run_cargo(work, *args)
