"""The entity-relationship diagram as an SVG or PNG picture, drawn by a real renderer found on PATH.

Mermaid's CLI (``mmdc``, from the Mermaid text) is preferred when installed, else Graphviz's ``dot`` (from
the DOT text); ``renderer`` may name one.  The renderer runs without a shell, with the diagram on its
standard input and a time limit; every failure is a :class:`SchemactlError` (exit 2) with one line:
what to install when none is found, the renderer's first line of complaint when it fails.  Nothing is
written here: the caller writes the returned bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ..errors import SchemactlError
from ..manifest.model import Manifest

RENDERERS = ("mmdc", "dot")
INSTALL = {"dot": "Graphviz (apt-get install graphviz)",
           "mmdc": "Mermaid's CLI (npm i -g @mermaid-js/mermaid-cli)"}
TIMEOUT = 120.0   # seconds; mmdc starts a headless browser


def find_renderer(choice: str = "auto") -> tuple[str, str]:
    """(renderer name, executable path) for ``choice`` (auto, mmdc or dot), or SchemactlError."""
    names = RENDERERS if choice == "auto" else (choice,)
    for name in names:
        exe = shutil.which(name)
        if exe:
            return name, exe
    found = " or ".join(f"`{n}`" for n in names)
    install = " or ".join(INSTALL[n] for n in names)
    raise SchemactlError(f"no diagram renderer: {found} is not on PATH; install {install}; nothing was written")


def _first_line(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return " ".join(line.split())[:300]
    return "no message"


def _run(name: str, argv: list[str], source: str) -> bytes:
    try:
        res = subprocess.run(argv, input=source.encode("utf-8"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=TIMEOUT, shell=False)
    except subprocess.TimeoutExpired:
        raise SchemactlError(f"{name} did not finish within {TIMEOUT:g} s; nothing was written") from None
    except OSError as exc:
        raise SchemactlError(f"cannot run {argv[0]}: {exc.strerror or exc}; nothing was written") from None
    if res.returncode != 0:
        how = f"exit {res.returncode}" if res.returncode > 0 else f"signal {-res.returncode}"
        raise SchemactlError(f"{name} failed ({how}): {_first_line(res.stderr or res.stdout)}; nothing was written")
    return res.stdout


def render(manifest: Manifest, fmt: str, choice: str = "auto") -> tuple[str, bytes]:
    """(renderer name, the picture's bytes) of MANIFEST's diagram in ``fmt`` (svg or png)."""
    name, exe = find_renderer(choice)
    if name == "dot":
        from .erd_dot import dot
        data = _run(name, [exe, f"-T{fmt}"], dot(manifest))
    else:
        from .erd import mermaid
        # mmdc writes its picture to a file (its standard output carries progress lines): a private directory
        with tempfile.TemporaryDirectory(prefix="schemactl-erd-") as tmp:
            target = os.path.join(tmp, f"erd.{fmt}")
            _run(name, [exe, "--input", "-", "--output", target, "--outputFormat", fmt], mermaid(manifest))
            try:
                with open(target, "rb") as fh:
                    data = fh.read()
            except FileNotFoundError:
                data = b""
    if not data:
        raise SchemactlError(f"{name} produced no {fmt.upper()}; nothing was written")
    return name, data
