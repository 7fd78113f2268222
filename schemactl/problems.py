"""Reports of `validate` and `check` (manifest problems and stale items) in the styles `diff` and
`parity` use for findings: text, json, github (workflow annotations) and junit."""

from __future__ import annotations

import json

from .report import _gh

FORMATS = ("text", "json", "github", "junit")


def _prop(value: str) -> str:
    return _gh(value).replace(",", "%2C").replace(":", "%3A")


def render(fmt: str, command: str, diagnostics=(), stale=(), ok: str = "") -> str:
    """One report: ``diagnostics`` (errors.Diagnostic: file, line, col, severity, message) and
    ``stale`` (project.Staleness: path, problem, fix)."""
    if fmt == "json":
        return json.dumps({
            "problems": [{"file": d.file, "line": d.line, "column": d.col, "severity": d.severity,
                          "message": d.message} for d in diagnostics],
            "stale": [{"path": s.path, "problem": s.problem, "fix": s.fix}
                      | ({"line": s.line, "column": s.col} if s.line is not None else {}) for s in stale],
            "ok": not any(d.severity == "error" for d in diagnostics) and not stale}, indent=2, ensure_ascii=False)
    if fmt == "github":
        lines = [f"::{'warning' if d.severity == 'warning' else 'error'} file={_prop(d.file)},line={d.line},"
                 f"col={d.col},title={_prop(f'schemactl {command}')}::{_gh(d.message)}" for d in diagnostics]
        lines += [f"::error file={_prop(s.path)}{'' if s.line is None else f',line={s.line},col={s.col or 1}'},"
                  f"title={_prop(f'schemactl {command}: stale')}::"
                  f"{_gh(f'{s.problem}; run `{s.fix}`')}" for s in stale]
        return "\n".join(lines) if lines else f"::notice::schemactl {command}: {_gh(ok)}"
    if fmt == "junit":
        from xml.sax.saxutils import escape, quoteattr
        cases = []
        for d in diagnostics:
            kind = "failure" if d.severity == "error" else "system-out"
            body = f"<failure message={quoteattr(d.message)}>{escape(str(d))}</failure>" if kind == "failure" \
                else f"<system-out>{escape(str(d))}</system-out>"
            cases.append(f'    <testcase classname={quoteattr(command)} name={quoteattr(f"{d.file}:{d.line}")}>'
                         f"{body}</testcase>")
        for s in stale:
            cases.append(f"    <testcase classname={quoteattr(command)} name={quoteattr(s.where)}><failure "
                         f"message={quoteattr(s.problem)}>{escape(str(s))}</failure></testcase>")
        if not cases:
            cases.append(f"    <testcase classname={quoteattr(command)} name={quoteattr(ok)}/>")
        failures = sum(1 for d in diagnostics if d.severity == "error") + len(stale)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
                f'  <testsuite name={quoteattr(f"schemactl {command}")} tests="{len(cases)}" failures="{failures}">\n'
                + "\n".join(cases) + "\n  </testsuite>\n</testsuites>")
    return "\n".join([str(d) for d in diagnostics] + [str(s) for s in stale] + ([ok] if ok else []))
