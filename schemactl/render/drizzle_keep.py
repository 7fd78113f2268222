"""The team's own Drizzle declarations (the manifest's ``drizzle:`` blocks, written by ``import --drizzle``)
applied to the builder calls schemactl.render.drizzle writes: modes, enum unions, the TypeScript type a
mode selects, and the imports that kept code uses.

Only the file of the team's dialect (``drizzle.core``) takes default functions, custom types and table
creators.  The other file selects the TypeScript type the team's file does (DrizzleRenderer.fit): the same
enum union and ``$type``, and a mode as that builder's own mode or a customType converting that engine's
stored value as the mode does (a SQLite Unix-seconds integer in mode "timestamp" is a PostgreSQL bigint
read as seconds into a Date), so types.ts holds one type per column that both files accept.  Export names
and property keys are the same in both files, so application code names the same things on either engine.
"""

from __future__ import annotations

import json
import re

# Builders that take a mode, per dialect, and the modes each takes.
MODED = {
    "postgres": {"timestamp": {"date", "string"}, "date": {"date", "string"}, "bigint": {"number", "bigint"},
                 "numeric": {"string", "number", "bigint"}, "point": {"tuple", "xy"}, "line": {"tuple", "abc"}},
    "sqlite": {"integer": {"number", "boolean", "timestamp", "timestamp_ms"}, "text": {"json"},
               "blob": {"json", "buffer", "bigint"}, "numeric": {"string", "number", "bigint"}},
}
# A builder's own default mode: left implicit when the registry's call has none.
IMPLIED = {("number", "integer", "sqlite"), ("string", "numeric", "postgres"), ("string", "numeric", "sqlite"),
           ("tuple", "point", "postgres"), ("tuple", "line", "postgres")}
ENUM_BUILDERS = {"postgres": {"text", "varchar", "char"}, "sqlite": {"text"}}

# What a selected value is in TypeScript, per mode.
MODE_TS = {"date": "Date", "string": "string", "number": "number", "bigint": "bigint", "boolean": "boolean",
           "timestamp": "Date", "timestamp_ms": "Date", "json": "unknown", "buffer": "Buffer",
           "xy": "{ x: number; y: number }", "abc": "{ a: number; b: number; c: number }"}
# A mode whose type depends on its builder: pg-core's point and line, mode "tuple"
BUILDER_MODE_TS = {("point", "tuple"): "[number, number]", ("line", "tuple"): "[number, number, number]"}
# postgres_type columns whose pg-core builder the team's file names by its mode (without one, a customType of
# the type, selecting a string): point(col[, { mode: "xy" }]), line(col[, { mode: "abc" }])
MODED_PG_BUILDERS = {"point": "point({col})", "line": "line({col})"}

# Modes whose values are not the SQL literal the manifest holds: a literal default is written as SQL.
SQL_DEFAULT_MODES = {"timestamp", "timestamp_ms", "json", "bigint", "buffer", "date"}

_CALL = re.compile(r"^(?:, \{ (?P<opts>.*?) \})?\)(?P<tail>.*)$", re.S)


def with_options(call: str, col: str, dz, engine: str) -> str:
    """``call`` (a registry builder call ``fn(col[, { k: v, ... }])...``) with the team's mode and enum."""
    fn = call.split("(", 1)[0]
    head = f"{fn}({col}"
    m = _CALL.match(call[len(head):]) if call.startswith(head) else None
    if m is None:
        return call
    opts = dict(kv.split(": ", 1) for kv in m["opts"].split(", ")) if m["opts"] else {}
    changed = False
    if dz.mode and dz.mode in MODED[engine].get(fn, ()) and (dz.mode, fn, engine) not in IMPLIED:
        opts["mode"], changed = json.dumps(dz.mode), True
    if dz.enum and fn in ENUM_BUILDERS[engine]:
        opts["enum"], changed = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in dz.enum) + "]", True
    if not changed:
        return call
    inner = ", ".join(f"{k}: {v}" for k, v in opts.items())
    return f"{head}, {{ {inner} }}){m['tail']}"


def mode_of(call: str, dz, engine: str) -> str | None:
    """The mode the team's block gives the builder of ``call`` (None when the builder takes none)."""
    fn = call.split("(", 1)[0]
    return dz.mode if dz is not None and dz.mode in MODED[engine].get(fn, ()) else None


def ts_select(dz, customs=()) -> str | None:
    """The TypeScript type the team's declaration selects, when it decides it (else None); ``customs``: the
    manifest's custom types, (name, declaration, imports), whose ``data`` type a custom column selects."""
    if dz.type:
        return dz.type
    if dz.custom:
        decl = next((d for n, d, _ in customs if n == dz.custom), None)
        return (custom_data(decl) if decl else None) or "unknown"
    if dz.enum:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in dz.enum)
    return MODE_TS.get(dz.mode) if dz.mode else None


def custom_data(declaration: str) -> str | None:
    """The ``data`` member of a ``customType<{ data: T; ... }>(...)`` declaration, as written (None: not there)."""
    m = re.match(r"\s*customType\s*<\s*\{", declaration)
    if m is None:
        return None
    depth, start, members = 0, m.end(), []
    for i in range(m.end(), len(declaration)):
        ch = declaration[i]
        if ch in "{[(<":
            depth += 1
        elif ch in "}])>" and not (ch == ">" and declaration[i - 1] == "="):
            if depth == 0:
                members.append(declaration[start:i])
                break
            depth -= 1
        elif ch in ";," and depth == 0:
            members.append(declaration[start:i])
            start = i + 1
    for member in members:
        mm = re.match(r"\s*data\s*:\s*(.*?)\s*$", member, re.S)
        if mm:
            return " ".join(mm[1].split())
    return None


def import_lines(imports) -> list[str]:
    """``import`` statements for the kept code's imports (module specifiers JSON-encoded), stable order."""
    groups: dict = {}
    out = []
    for i in sorted(set(imports), key=lambda i: (i.module, i.type_only, i.name, i.local)):
        spec = json.dumps(i.module, ensure_ascii=False)
        kw = "import type" if i.type_only else "import"
        if i.name == "*":
            out.append(f"{kw} * as {i.local} from {spec};")
        elif i.name == "default":
            out.append(f"{kw} {i.local} from {spec};")
        else:
            groups.setdefault((kw, spec), []).append(i.name if i.name == i.local else f"{i.name} as {i.local}")
    out += [f"{kw} {{ {', '.join(names)} }} from {spec};" for (kw, spec), names in groups.items()]
    return sorted(out)


def creator_declaration(fn: str, prefix: str, suffix: str) -> str:
    """pgTableCreator/sqliteTableCreator with the team's prefix and suffix (JSON-encoded strings)."""
    parts = [json.dumps(prefix, ensure_ascii=False)] if prefix else []
    parts.append("name")
    if suffix:
        parts.append(json.dumps(suffix, ensure_ascii=False))
    return f"{fn}((name) => {' + '.join(parts)})"


# A column's own PostgreSQL type (postgres_type) on pg-core: Drizzle's builder for it, so that drizzle-kit
# (generate, push) keeps the live column's type; any other spelling becomes a customType of that type.
PG_BUILDERS = {"character varying": "varchar({col})", "numeric": "numeric({col})", "inet": "inet({col})",
               "cidr": "cidr({col})", "macaddr": "macaddr({col})", "macaddr8": "macaddr8({col})",
               "interval": "interval({col})"}
_DIMENSIONED = re.compile(r"^(vector|halfvec|bit|sparsevec)\((\d+)\)$")


def pg_builder(spelling: str) -> str | None:
    """The pg-core builder template for a postgres_type spelling (None: declare a customType)."""
    s = " ".join(spelling.lower().split())
    if s in PG_BUILDERS:
        return PG_BUILDERS[s]
    m = _DIMENSIONED.match(s.replace(" ", ""))
    if m:
        return f"{m[1]}({{col}}, {{{{ dimensions: {m[2]} }}}})"
    return None


def pg_custom(spelling: str, ts: str) -> str:
    """customType declaration for a PostgreSQL type spelling (JSON-encoded), selected as ``ts``."""
    return (f"customType<{{ data: {ts}; driverData: {ts} }}>({{ dataType: () => "
            f"{json.dumps(spelling, ensure_ascii=False)} }})")
