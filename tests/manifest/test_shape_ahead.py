"""load_text(defer_checks=True) of a large manifest: a forked copy of the process checks its shape (the JSON
Schema's fast check) while the model is built, and the pending checks do not run that check again where the copy
found the shape sound.  Whatever the copy says, the answer is what checking it all in the process gives: run in
a process of its own with forking allowed, and again with SCHEMACTL_NO_FORK=1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.synthetic import manifest as synthetic

GOOD = synthetic(320)   # past yamlpos.SPLIT_FROM: large enough for the copy
assert len(GOOD) > 200_000
CASES = {
    "clean": GOOD,
    # found by the checks over the whole model, the shape sound
    "check-error": GOOD.replace("table: t0000", "table: t9999", 1),
    # a shape the JSON Schema refuses, which the model is built from all the same
    "unknown-key": GOOD.replace("primary_key: true,", "primary_key: true, primry: 1,", 1),
    # a warning of the engines'
    "warned": GOOD.replace('default: 0}', 'default: 0, check: "amount % 3 <> 1"}', 1),
}

SCRIPT = """
import json, sys
from schemactl.errors import ManifestInvalid
from schemactl.manifest import load
from schemactl.manifest.load import load_text
ran = []
real = load._schema_problems
load._schema_problems = lambda data, into: (ran.append(1), real(data, into))[1]
m = load_text(open(sys.argv[1]).read(), "m.yaml", defer_checks=True)
ahead = m.pending.shape_ahead
try:
    out = ["ok", [str(w) for w in m.pending().warnings]]
except ManifestInvalid as exc:
    out = ["invalid", [str(d) for d in exc.diagnostics]]
print(json.dumps({"ahead": ahead, "shape_here": len(ran), "out": out}))
"""


def _run(path, fork: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SCHEMACTL_NO_FORK"}
    if not fork:
        env["SCHEMACTL_NO_FORK"] = "1"
    res = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="a forked copy works only on Linux with a second core")
@pytest.mark.parametrize("case", list(CASES))
def test_the_copys_shape_check_answers_as_checking_it_here(case, tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(CASES[case])
    forked, here = _run(path, True), _run(path, False)
    assert forked["out"] == here["out"]
    assert forked["out"][0] == ("invalid" if case in ("check-error", "unknown-key") else "ok")
    assert forked["ahead"] is True and here["ahead"] is False
    assert here["shape_here"] == 1
    # the copy found the shape sound: not checked again here; refused: checked here, where it is located
    assert forked["shape_here"] == (1 if case == "unknown-key" else 0)


def test_a_small_manifest_is_checked_here(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(synthetic(3))
    got = _run(path, True)
    assert got["ahead"] is False and got["shape_here"] == 1 and got["out"][0] == "ok"


STOPPED = """
import os, sys
from schemactl.manifest import load
def interrupted(self):
    raise KeyboardInterrupt
load._Builder.build = interrupted
copies = []
real = load._shape_ahead
load._shape_ahead = lambda data, text: (copies.append(real(data, text)), copies[-1])[1]
try:
    load.load_text(open(sys.argv[1]).read(), "m.yaml", defer_checks=True)
except KeyboardInterrupt:
    pass
left = []
try:
    while True:
        pid, _ = os.waitpid(-1, os.WNOHANG)   # a copy left running (or unreaped) would show here
        if not pid:
            left.append("running")
            break
        left.append(pid)
except ChildProcessError:
    pass
print(copies[0] is not None, left)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="a forked copy works only on Linux with a second core")
def test_a_ctrl_c_while_the_model_is_built_ends_the_copy(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(GOOD)
    env = {k: v for k, v in os.environ.items() if k != "SCHEMACTL_NO_FORK"}
    res = subprocess.run([sys.executable, "-c", STOPPED, str(path)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True []", res.stdout
