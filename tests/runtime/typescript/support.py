"""Compile and run the test driver (driver.ts) against a generated runtime.ts and bundle.ts.

    driver = build_driver(out_dir, work)      # tsc --strict, once per out_dir
    driver.run("migrate", "sqlite", "/path/app.db")            -> {"ok": True, "applied": [1, 2]}
    driver.run("verify-deep", "postgres", conninfo, via="pool") -> {"ok": False, "error": "SchemaMismatch", ...}

The driver CLI: command migrate | verify | verify-deep; engine sqlite (target: a file) or postgres (target: a
libpq key=value conninfo); via plain (better-sqlite3 Database / pg Client), pool (pg Pool), drizzle (a
drizzle-orm database over better-sqlite3 or a pg Pool), drizzle-client (drizzle-orm over a pg Client) or
plain-without-status (a pg Client without getTransactionStatus(), as node-postgres before it had one).
It prints one JSON line and exits 0; a non-zero exit is a crash.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
NODE_MODULES = ROOT / "node_modules"
TSC = NODE_MODULES / ".bin" / "tsc"
DRIVER = Path(__file__).with_name("driver.ts")
COMPILER_OPTIONS = {"strict": True, "target": "ES2022", "module": "node16", "moduleResolution": "node16",
                    "esModuleInterop": True, "skipLibCheck": True, "types": ["node"],
                    "typeRoots": [str(NODE_MODULES / "@types")]}

# The flags stricter than --strict that projects commonly turn on (create-t3-app: noUncheckedIndexedAccess):
# the generated files compile under them too, since a project's build type-checks every file it holds.
STRICTER_OPTIONS = {"noUncheckedIndexedAccess": True, "noPropertyAccessFromIndexSignature": True,
                    "exactOptionalPropertyTypes": True, "noImplicitOverride": True, "noImplicitReturns": True,
                    "noFallthroughCasesInSwitch": True}


class DriverCrashed(AssertionError):
    pass


class Driver:
    def __init__(self, script: Path):
        self.script = script

    def command(self, command: str, engine: str, target: str, via: str = "plain") -> list[str]:
        return ["node", str(self.script), command, engine, str(target), via]

    def start(self, command: str, engine: str, target: str, via: str = "plain") -> subprocess.Popen:
        """The driver as a running process (for concurrency tests); ``result`` reads its answer."""
        return subprocess.Popen(self.command(command, engine, target, via), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    @staticmethod
    def result(proc: subprocess.Popen, timeout: float = 120) -> dict:
        out, err = proc.communicate(timeout=timeout)
        return _answer(proc.args, proc.returncode, out, err)

    def run(self, command: str, engine: str, target: str, via: str = "plain") -> dict:
        res = subprocess.run(self.command(command, engine, target, via), capture_output=True, text=True,
                             timeout=120)
        return _answer(res.args, res.returncode, res.stdout, res.stderr)


def _answer(args, returncode: int, out: str, err: str) -> dict:
    if returncode != 0 or not out.strip():
        raise DriverCrashed(f"{' '.join(map(str, args))} exited {returncode}\n{out}\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def build_driver(out_dir: Path, work: Path) -> Driver:
    """Compile driver.ts with out_dir's runtime.ts and bundle.ts (tsc --strict) into ``work``."""
    return build_drivers([(out_dir, work)])[0]


def build_drivers(pairs: list[tuple[Path, Path]]) -> list[Driver]:
    """Several drivers in one tsc run (one compiler start-up for all of them)."""
    if not TSC.exists():
        raise RuntimeError("Node tool chain missing; run `bash scripts/install.sh` (npm ci)")
    works = []
    for out_dir, work in pairs:
        work.mkdir(parents=True, exist_ok=True)
        for name in ("runtime.ts", "bundle.ts"):
            shutil.copyfile(out_dir / name, work / name)
        shutil.copyfile(DRIVER, work / "driver.ts")
        (work / "package.json").write_text('{"private": true, "type": "commonjs"}\n')
        if not (work / "node_modules").exists():
            (work / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
        works.append(work)
    config = works[0] / "tsconfig.json"
    config.write_text(json.dumps({"compilerOptions": COMPILER_OPTIONS,
                                  "files": [str(w / "driver.ts") for w in works]}, indent=1))
    res = subprocess.run([str(TSC), "-p", str(config)], capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise AssertionError(f"tsc --strict failed:\n{res.stdout}{res.stderr}")
    return [Driver(w / "driver.js") for w in works]
