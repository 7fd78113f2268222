"""Benchmark: the generated TypeScript runtime (runtime.ts) at service start-up, on better-sqlite3.

Run on demand:  python3 bench/runtime_typescript.py   (needs the Node tool chain: bash scripts/install.sh)
Targets: verify() under 1 ms; verify({ deep: true }) under 5 ms for 50 SQLite tables.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import _common  # noqa: E402

_common.schemactl()   # the installed package; the checkout only when none is installed
ROOT = _common.CHECKOUT

from runtime_verify import manifest  # noqa: E402  (the same 50-table service as the Python benchmark)

NODE_MODULES = ROOT / "node_modules"

TIMER = """\
const Database = require("better-sqlite3");
const { BUNDLE } = require("./bundle.js");
const { migrate, verify } = require("./runtime.js");

async function best(fn, n) {
  let least = Infinity;
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    least = Math.min(least, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return least;
}

(async () => {
  const db = new Database(process.argv[2]);
  await migrate(db, BUNDLE);
  await verify(db, BUNDLE, { deep: true });   // a mismatch would throw here
  const shallow = await best(() => verify(db, BUNDLE), 2000);
  const deep = await best(() => verify(db, BUNDLE, { deep: true }), 200);
  const tables = Object.keys(BUNDLE.engines.sqlite.catalog.tables).length;
  console.log(JSON.stringify({ shallow, deep, tables }));
})();
"""


def main() -> None:
    from schemactl.manifest.load import load_text
    from schemactl.migrations.files import plan_next
    from schemactl.output import atomic_write_all
    tsc = NODE_MODULES / ".bin" / "tsc"
    if not tsc.exists():
        sys.exit("Node tool chain missing; run `bash scripts/install.sh`")
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        text = manifest(50)
        out = work / "out"
        atomic_write_all(plan_next(out, load_text(text), text, "init").files)
        (work / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
        subprocess.run([str(tsc), "--strict", "--target", "ES2022", "--module", "commonjs", "--skipLibCheck",
                        "--outDir", str(work), str(out / "runtime.ts"), str(out / "bundle.ts")], check=True)
        (work / "timer.js").write_text(TIMER)
        res = subprocess.run(["node", str(work / "timer.js"), str(work / "svc.db")], capture_output=True,
                             text=True, check=True, cwd=work)
        times = json.loads(res.stdout)
    print(f"runtime.ts verify(): {times['shallow']:.3f} ms (target < 1 ms)")
    print(f"runtime.ts verify({{ deep: true }}), {times['tables']} SQLite tables: {times['deep']:.2f} ms "
          "(target < 5 ms)")


if __name__ == "__main__":
    main()
