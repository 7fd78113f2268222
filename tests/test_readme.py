"""The README stays true: set-up commands, CI script, finding codes and type table."""

from __future__ import annotations

import re

from schemactl.diff import CODES
from schemactl.types import TYPES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def _setup_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_opens_with_two_commands_and_ci_runs_exactly_them():
    assert README.startswith("# schemactl\n\n```sh\n")
    commands = _setup_commands()
    assert len(commands) == 2
    ci = [l for l in (ROOT / ".ci" / "run").read_text().splitlines()
          if l.strip() and not l.startswith(("#", "set ", "cd "))]
    assert ci == commands
    assert (ROOT / ".ci" / "run").read_text().startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in (ROOT / ".ci" / "run").read_text()


def test_every_finding_code_is_documented():
    documented = dict(re.findall(r"^\| `(SC\d+)` \| ([a-z-]+) \|", README, re.M))
    assert documented == {code: title for code, (title, _) in CODES.items()}


def test_every_portable_type_is_documented():
    for name in TYPES:
        assert re.search(rf"^\| `{name}(\([a-z, ]+\))?` \|", README, re.M), name


def test_the_worked_example_is_a_valid_manifest():
    """A new user pastes it into manifests/memories.yaml: it loads, and its objects are the seed's."""
    from schemactl.manifest.load import load_file, load_text
    block = README.split("## Worked example", 1)[1]
    text = re.search(r"```yaml\n(.*?)```", block, re.S).group(1)
    m = load_text(text, "memories.yaml")
    seed = load_file(ROOT / "manifests" / "memories.yaml")
    for t in m.tables:
        full = seed.table(t.name)
        assert full is not None and {c.name for c in t.columns} <= {c.name for c in full.columns}, t.name


def test_every_whole_manifest_in_the_readme_loads_as_written():
    """The manifest section's example failed twice when pasted: its 'hash: sha256:…' is no hash, and it referenced
    a table it did not declare.  Every YAML block that is a whole manifest (format: and tables:) must load."""
    from schemactl.manifest.load import load_text
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", README, re.S)
              if re.search(r"^format: 1", b, re.M) and re.search(r"^tables:", b, re.M)]
    assert len(blocks) >= 2
    for text in blocks:
        load_text(text, "README.md")
