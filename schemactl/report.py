"""Reporters for findings, chosen by name (``--format``)."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the report styles are named at start-up; findings only exist once a diff ran
    from .diff import Finding


class Target:
    """What was compared: one manifest on one engine (for reports that list passes too)."""

    def __init__(self, manifest, engine: str, findings: list[Finding], objects: list[str]):
        self.manifest, self.engine, self.findings, self.objects = manifest, engine, findings, objects


def label(m) -> str:
    """Schema name with its feature set, e.g. lms+canvas+discourse."""
    return m.name + "".join(f"+{f}" for f in m.features)


# A finding's object "table/<kind> <name>" -> the Table attribute holding the manifest's items of that kind
_ITEMS = {"check": "checks", "index": "indexes", "foreign key": "foreign_keys", "unique": "uniques"}


def _item_path(m, f: Finding) -> tuple | None:
    """The manifest path of the declared check, index, foreign key or unique key a finding of its table is
    about ("t/check t_s_len"): its own line (a column's check or references:, or its entry in checks: ...),
    not its table's."""
    if len(f.manifest_path) != 2 or "/" not in f.path:
        return None
    table, _, what = f.path.partition("/")
    t = m.table(table)
    kind = next((k for k in _ITEMS if what.startswith(k + " ")), None)
    if t is None or kind is None:
        return None
    name = what[len(kind) + 1:]
    return next((item.path for item in getattr(t, _ITEMS[kind]) if item.name == name and item.path), None)


def _position(t: Target, f: Finding) -> tuple[int, int]:
    """The manifest line a finding is about; for an object the manifest does not declare (an extra
    column, index or table in the database), its table's line, else the `tables:` key."""
    if f.manifest_path:
        return t.manifest.position(_item_path(t.manifest, f) or f.manifest_path)
    table = f.path.split("/", 1)[0].split(".", 1)[0]
    if table and t.manifest.table(table) is not None:
        return t.manifest.position(("tables", table), key=True)
    return t.manifest.position(("tables",), key=True)


def text(targets: list[Target], colour: bool) -> str:
    red, dim, reset = ("\033[31m", "\033[2m", "\033[0m") if colour else ("", "", "")
    lines, total = [], 0
    for t in targets:
        for f in t.findings:
            total += 1
            line, col = _position(t, f)
            lines.append(f"{t.manifest.source}:{line}:{col}: {red}{f.code}{reset} [{t.engine}] {f.message}")
            if f.expected or f.actual:
                lines.append(f"    {dim}expected:{reset} {f.expected or '(nothing)'}")
                lines.append(f"    {dim}actual:  {reset} {f.actual or '(nothing)'}")
    checked = ", ".join(sorted({f"{label(t.manifest)} on {t.engine}" for t in targets}))
    lines.append(f"{total} finding{'s' if total != 1 else ''} ({checked})" if total else f"no differences ({checked})")
    return "\n".join(lines)


def as_json(targets: list[Target], colour: bool) -> str:
    out = []
    for t in targets:
        for f in t.findings:
            line, col = _position(t, f)
            out.append({"code": f.code, "title": f.title, "engine": f.engine, "build": t.engine,
                        "schema": label(t.manifest),
                        "manifest": t.manifest.source, "line": line, "column": col, "object": f.path,
                        "message": f.message, "expected": f.expected, "actual": f.actual})
    return json.dumps({"findings": out, "count": len(out)}, indent=2, ensure_ascii=False)


def junit(targets: list[Target], colour: bool) -> str:
    """One test case per object per engine; failures carry the findings."""
    from xml.sax.saxutils import escape, quoteattr   # pulls in urllib: only when a JUnit report is asked for
    suites = []
    for t in targets:
        by_object: dict[str, list[Finding]] = {o: [] for o in t.objects}
        for f in t.findings:
            by_object.setdefault(f.path.split("/")[0].split(".")[0], []).append(f)
        cases = []
        for obj, found in by_object.items():
            name = quoteattr(obj)
            classname = quoteattr(f"{label(t.manifest)}.{t.engine}")
            if found:
                body = "\n".join(f"{f.code} {f.message}: expected {f.expected or '(nothing)'}, "
                                 f"actual {f.actual or '(nothing)'}" for f in found)
                msg = quoteattr("; ".join(f"{f.code} {f.message}" for f in found))
                cases.append(f'    <testcase name={name} classname={classname}>\n'
                             f'      <failure message={msg}>{escape(body)}</failure>\n    </testcase>')
            else:
                cases.append(f"    <testcase name={name} classname={classname}/>")
        failures = sum(1 for fs in by_object.values() if fs)
        suites.append(f'  <testsuite name={quoteattr(f"{label(t.manifest)} on {t.engine}")} tests="{len(by_object)}" '
                      f'failures="{failures}" errors="0">\n' + "\n".join(cases) + "\n  </testsuite>")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n' + "\n".join(suites) + "\n</testsuites>"


def _gh(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github(targets: list[Target], colour: bool) -> str:
    """GitHub Actions workflow commands: one annotation per finding, on the manifest line."""
    lines = []
    for t in targets:
        for f in t.findings:
            line, col = _position(t, f)
            title = _gh(f"{f.code} {f.title} ({t.engine})").replace(",", "%2C").replace(":", "%3A")
            msg = _gh(f"{f.message}: expected {f.expected or '(nothing)'}, actual {f.actual or '(nothing)'}")
            lines.append(f"::error file={t.manifest.source},line={line},col={col},title={title}::{msg}")
    return "\n".join(lines) if lines else "::notice::schemactl: no differences"


REPORTERS = {"text": text, "json": as_json, "junit": junit, "github": github}


def use_colour(stream) -> bool:
    """Colour on a terminal; NO_COLOR (no-color.org) turns it off, FORCE_COLOR on (CI logs that render it)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") not in (None, "", "0"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def emit(targets: list[Target], fmt: str, stream=None) -> None:
    stream = stream or sys.stdout
    colour = fmt == "text" and use_colour(stream)
    stream.write(REPORTERS[fmt](targets, colour) + "\n")


__all__ = ["REPORTERS", "Target", "emit"]
