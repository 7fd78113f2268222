"""What the ratio benchmarks share: finding schemactl and the peer tools, running whole processes
alternately, medians, and the ratio line.

Every figure is the wall time of a whole process, as a user or a hook runs it.  The commands of one
benchmark alternate (schemactl, peer, schemactl, peer, ...), so load that comes and goes on the
machine falls on both; each prints the median of its runs and the ratio of the medians.

schemactl is used from wherever it is installed (a wheel or an editable install); only when it cannot
be imported at all do the benchmarks fall back to the checkout that holds this directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
CHECKOUT = BENCH.parent

# In a checkout, the templates are the top-level directory templates/, installed as schemactl.templates.
_BOOT = """\
import importlib.util, sys
root = {root!r}
sys.path.insert(0, root)
import schemactl
spec = importlib.util.spec_from_file_location("schemactl.templates", root + "/templates/__init__.py",
                                              submodule_search_locations=[root + "/templates"])
module = importlib.util.module_from_spec(spec)
sys.modules["schemactl.templates"] = module
spec.loader.exec_module(module)
schemactl.templates = module
"""
_from_checkout = False


def schemactl():
    """The schemactl package: the installed one, else the checkout's (with its templates mapped in)."""
    global _from_checkout
    try:
        import schemactl as package
        return package
    except ImportError:
        pass
    if not (CHECKOUT / "schemactl" / "__init__.py").is_file():
        sys.exit("schemactl is neither installed nor in a checkout next to bench/")
    exec(_BOOT.format(root=str(CHECKOUT)), {})
    _from_checkout = True
    import schemactl as package
    return package


def schemactl_cmd() -> list[str]:
    """How to start the schemactl that schemactl() imported, as a new process."""
    schemactl()
    if _from_checkout:
        return [sys.executable, "-c", _BOOT.format(root=str(CHECKOUT)) + "from schemactl.console import run\nrun()\n"]
    script = Path(sys.executable).with_name("schemactl")   # the console script of this interpreter's install
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-P", "-m", "schemactl"]        # -P: never the current directory's copy


def python_env() -> dict:
    """The environment for a ``python -c`` child that imports schemactl as this process does."""
    schemactl()
    env = dict(os.environ)
    if _from_checkout:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")]))
    return env


def where() -> str:
    return f"schemactl from {'the checkout' if _from_checkout else 'its installation'} " \
           f"({Path(schemactl().__file__).parent})"


def manifest(n: int) -> str:
    """The synthetic schema of the benchmarks: n tables of 8 columns, an FK chain, an enum, a partial
    index and a unique column per table (the same as bench/parity_100.py and the tests use)."""
    out = ["format: 1", "name: bench", "version: 1", "enums:", "  state: [new, active, closed]", "tables:"]
    for i in range(n):
        out += [
            f"  t{i:04d}:",
            "    columns:",
            "      id: {type: bigint, primary_key: true, identity: true}",
            "      uid: {type: uuid, nullable: false, default: {fn: uuid}, unique: true}",
            "      name: {type: varchar(120), nullable: false, check: \"length(name) > 0\"}",
            "      state: {type: state, nullable: false, default: new}",
            "      amount: {type: \"numeric(12,2)\", nullable: false, default: 0}",
            "      payload: {type: jsonb}",
            "      created_at: {type: timestamptz, nullable: false, default: {fn: now}}",
        ]
        if i:
            out += [f"      parent_id: {{type: bigint, references: {{table: t{i - 1:04d}, column: id, "
                    "on_delete: set null}}"]
        out += ["    indexes:", "      - columns: [state, {column: created_at, order: desc}]",
                "        where: \"state <> 'closed'\""]
    return "\n".join(out) + "\n"


def parser(doc: str, size: str, default: int) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(f"--{size}", type=int, default=default, help=f"size of the synthetic data (default {default:,})")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    return ap


def project(path: Path, tables: int) -> Path:
    """A schemactl project at ``path`` with the synthetic manifest of ``tables`` tables."""
    (path / "manifests").mkdir(parents=True, exist_ok=True)
    (path / "manifests" / "bench.yaml").write_text(manifest(tables))
    return path


# -- peers


def drizzle_kit() -> Path | None:
    """node_modules/.bin/drizzle-kit in the directory of the benchmarks or the current one, or above."""
    for start in (BENCH, Path.cwd().resolve()):
        for d in (start, *start.parents):
            tool = d / "node_modules" / ".bin" / "drizzle-kit"
            if tool.exists():
                return tool
    return None


def link_node_modules(tool: Path, path: Path) -> None:
    """Make the node_modules that holds ``tool`` (and drizzle-orm next to it) resolvable from ``path``."""
    link = path / "node_modules"
    if not link.exists():
        link.symlink_to(tool.parent.parent, target_is_directory=True)


def executable(name: str) -> str | None:
    """``name`` on PATH or next to this interpreter (a venv's console scripts)."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which(name)


def not_installed(what: str, how: str = "") -> None:
    print(f"{what} not installed: ratio not measured" + (f" ({how})" if how else ""))


# -- running and timing


@dataclass
class Command:
    label: str
    argv: list[str]
    cwd: Path
    env: dict | None = None
    before: Callable[[], None] | None = None      # untimed, before every run (reset the target, ...)
    ok: tuple[int, ...] = (0,)
    times: list[float] = field(default_factory=list)


def run(cmd: Command) -> float:
    """Wall time of one whole process; a failure ends the benchmark with its output."""
    if cmd.before:
        cmd.before()
    out = cmd.cwd / f".bench-{os.getpid()}.out"
    with open(out, "wb") as sink:
        started = time.perf_counter()
        res = subprocess.run(cmd.argv, cwd=cmd.cwd, env=cmd.env, stdout=sink, stderr=subprocess.PIPE)
        took = time.perf_counter() - started
    if res.returncode not in cmd.ok:
        text = out.read_text(errors="replace")[-3000:]
        sys.exit(f"{cmd.label} failed (exit {res.returncode}) in {cmd.cwd}\n{text}\n"
                 f"{res.stderr.decode(errors='replace')[-3000:]}")
    out.unlink()
    return took


def alternate(commands: list[Command], runs: int, warmup: int) -> None:
    """Run the commands in turn, ``warmup`` untimed rounds and then ``runs`` timed ones."""
    for i in range(warmup + runs):
        for cmd in commands:
            took = run(cmd)
            if i >= warmup:
                cmd.times.append(took)


def median(cmd: Command) -> float:
    return statistics.median(cmd.times)


def figures(title: str, commands: list[Command]) -> None:
    n = len(commands[0].times)
    print(f"{title}  ({where()}; whole-process median of {n} run{'s' * (n != 1)}, commands alternating)")
    width = max(len(c.label) for c in commands)
    for c in commands:
        print(f"  {c.label:<{width}}  {median(c):7.3f} s   [{' '.join(f'{t:.3f}' for t in c.times)}]")


def ratio(ours: Command, peer: Command, target: float) -> float:
    """Print the ratio line: ours / peer, medians of the same run, against the target ratio."""
    r = median(ours) / median(peer)
    print(f"ratio {ours.label} / {peer.label}: {r:.2f}x (target <= {target:g}x: {'met' if r <= target else 'not met'})")
    return r


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SCHEMACTL_NO_CACHE"}
    env.update(extra)
    return env
