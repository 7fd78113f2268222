"""import --drizzle: the schema file's surroundings (its Drizzle core, the project's drizzle-kit, drizzle-kit's
SQL of it, the casing the project names columns by), read without importing schemactl.importer, so that the
command starts Node before it loads the import's heavier modules."""

from __future__ import annotations

import re

# A local module a TypeScript file imports or re-exports by a static import: import … from "./x", import "./x",
# export * from "../y" (not a lazy import("./z"), whose tables the file does not export)
_LOCAL_MODULE = re.compile(r"""\b(?:from|import)\s*(["'])(\.{1,2}/[^"'\n]+)\1""")
# A TypeScript file's strings and comments: the comments go before modules are looked for (a commented-out
# import is none), the strings stay
_STRINGS_AND_COMMENTS = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|//[^\n]*|/\*.*?\*/""",
                                   re.S)


def _without_comments(text: str) -> str:
    return _STRINGS_AND_COMMENTS.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'`" else " ", text)


# Where the raw text may name a module: a quoted drizzle-orm core, or a quoted relative path
_MAY_NAME_MODULE = re.compile(r"""["'](?:drizzle-orm/(?:pg|sqlite)-core["']|\.{1,2}/)""")


def _module_naming_part(text: str) -> str:
    """_without_comments(text) as far as the text may name a module (below: up to the last place that may;
    "" where none does): the rest names none, and a 1,000-table file's comments are not stripped (20 ms).
    The text is scanned for strings and comments from its start exactly as _without_comments scans it."""
    last = None
    for last in _MAY_NAME_MODULE.finditer(text):
        pass
    if last is None:
        return ""
    # (to the end of that line: a quoted module specifier ends on the line it begins on)
    cut = text.find("\n", last.end())
    cut = len(text) if cut < 0 else cut
    parts, at = [], 0
    for m in _STRINGS_AND_COMMENTS.finditer(text):
        if m.start() >= cut:
            break
        parts += (text[at:m.start()], m.group(0) if m.group(0)[0] in "\"'`" else " ")
        at = m.end()
    parts.append(text[at:max(at, cut)])
    return "".join(parts)


_MODULE_FILES = ("", ".ts", ".tsx", ".mts", ".cts", "/index.ts", "/index.tsx")
_CORES = {"pg-core": ("postgres", "postgresql"), "sqlite-core": ("sqlite", "sqlite")}


def drizzle_dialect(path, text: str | None = None) -> tuple[str, str] | None:
    """(engine, drizzle-kit dialect) of a Drizzle schema file, or None: the drizzle-orm core named by the file
    and the local modules it imports (a file that only gathers others: an index.ts of `export * from
    "./users"`), read by their text only (nothing is run).  Both cores named is an error."""
    from pathlib import Path
    from .errors import SchemactlError
    first = Path(path)
    queue, seen, cores = [(first, text)], set(), {}
    while queue and len(seen) < 500:
        file, body = queue.pop(0)
        key = str(file.resolve())
        if key in seen:
            continue
        seen.add(key)
        if body is None:
            try:
                body = file.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        body = _module_naming_part(body)
        for core, found in _CORES.items():
            if f'"drizzle-orm/{core}"' in body or f"'drizzle-orm/{core}'" in body:   # a module specifier
                cores.setdefault(core, (file, found))
        for _, spec in _LOCAL_MODULE.findall(body):
            base = file.parent / re.sub(r"\.([mc]?)js$", r".\1ts", spec)
            found = next((c for c in (Path(f"{base}{x}") for x in _MODULE_FILES) if c.is_file()), None)
            if found is not None:
                queue.append((found, None))
    if len(cores) > 1:   # one manifest, one dialect: the other core's tables would be dropped without a word
        named = " and ".join(f"drizzle-orm/{core} ({where})" for core, (where, _) in cores.items())
        raise SchemactlError(f"{path}: imports both {named}: a manifest is one schema of one Drizzle dialect; "
                             "import each dialect's tables from a file of their own")
    return next(iter(cores.values()))[1] if cores else None


def drizzle_kit(path: str) -> str | None:
    """The project's drizzle-kit for a schema file: node_modules/.bin beside it or above, or the current
    directory's, else one on PATH."""
    import shutil
    from pathlib import Path
    for d in (Path(path).resolve().parent, *Path(path).resolve().parents, Path.cwd()):
        candidate = d / "node_modules" / ".bin" / "drizzle-kit"
        if candidate.exists():
            return str(candidate)
    return shutil.which("drizzle-kit")


def drizzle_export(path: str, casing: str | None = None) -> tuple[str, str]:
    """(engine, DDL) of a Drizzle schema file, through the project's pinned `drizzle-kit export` (what the
    Node process of drizzle_module.read_module already wrote with drizzle-kit's API, where it could).  With a
    ``casing`` (drizzle.config's), `drizzle-kit generate --casing` into a scratch directory instead: export
    ignores the config's casing, generate (what made the team's database) applies it."""
    import subprocess
    from pathlib import Path
    from .drizzle_module import exported
    from .errors import SchemactlError
    text = Path(path).read_text("utf-8")
    found = drizzle_dialect(path, text)
    if found is None:
        raise SchemactlError(f"{path}: imports neither drizzle-orm/pg-core nor drizzle-orm/sqlite-core (nor does "
                             "a local module it imports)")
    engine, dialect = found
    ddl = exported(Path(path), text, casing)
    if ddl is not None:
        return engine, ddl.replace("--> statement-breakpoint", "")
    tool = drizzle_kit(path)
    if tool is None:
        raise SchemactlError("drizzle-kit not found: run `npm ci` (or `npm install drizzle-kit drizzle-orm`) "
                             "in the project that holds the schema file")
    if casing is not None:
        return engine, _generated(tool, dialect, path, casing)
    res = subprocess.run([tool, "export", "--dialect", dialect, "--schema", str(Path(path).resolve())],
                         capture_output=True, text=True, cwd=str(Path(path).resolve().parent))
    if res.returncode != 0 or not res.stdout.strip() and res.stderr.strip():
        # drizzle-kit export exits 0 when loading the schema fails (an esbuild error in a module it imports)
        from .drizzle_module import shown
        found = re.search(r"^(.+?):(\d+):(\d+): ERROR: (.+)$", res.stderr, re.M)
        if found:
            file, line, col, message = found.groups()   # esbuild counts columns from 0
            raise SchemactlError(f"{shown(file)}:{line}:{int(col) + 1}: error: {message} "
                                 f"(drizzle-kit export of {path})")
        raise SchemactlError(f"drizzle-kit export failed for {path}:\n{(res.stderr or res.stdout).strip()}")
    return engine, _without_module_output(res.stdout).replace("--> statement-breakpoint", "")


def _generated(tool: str, dialect: str, path: str, casing: str) -> str:
    """The SQL `drizzle-kit generate --casing` writes for ``path`` from an empty migrations folder."""
    import subprocess
    import tempfile
    from pathlib import Path
    from .errors import SchemactlError
    with tempfile.TemporaryDirectory(prefix="schemactl-drizzle-") as out:
        res = subprocess.run([tool, "generate", "--dialect", dialect, "--schema", str(Path(path).resolve()),
                              "--casing", casing, "--out", out, "--name", "schemactl", "--prefix", "none"],
                             capture_output=True, text=True, cwd=str(Path(path).resolve().parent),
                             stdin=subprocess.DEVNULL)
        files = sorted(Path(out).glob("*.sql"))
        if res.returncode != 0 or len(files) != 1:
            found = re.search(r"^(.+?):(\d+):(\d+): ERROR: (.+)$", res.stderr, re.M)
            if found:
                from .drizzle_module import shown
                file, line, col, message = found.groups()
                raise SchemactlError(f"{shown(file)}:{line}:{int(col) + 1}: error: {message} "
                                     f"(drizzle-kit generate of {path})")
            raise SchemactlError(f"drizzle-kit generate --casing {casing} failed for {path}:\n"
                                 f"{(res.stderr or res.stdout).strip()}")
        return files[0].read_text("utf-8").replace("--> statement-breakpoint", "\n")


# What drizzle-kit export prints starts with one of these; the schema module's own output (console.log while
# it loads: a dotenv notice, say) comes before it, on the same stdout
_DDL_START = re.compile(r"\s*(?:$|--|/\*|(?:CREATE|ALTER|DO|COMMENT|SET|SELECT|DROP)\b)", re.I)


def _without_module_output(text: str) -> str:
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if _DDL_START.match(line)), len(lines))
    return "".join(lines[first:])


# drizzle-kit reads drizzle.config.ts (else .js, else .json) from the directory it runs in; a team runs it from
# the project's root, the directory of package.json at or above the schema file
_CONFIG_FILES = ("drizzle.config.ts", "drizzle.config.js", "drizzle.config.json")
_CASINGS = ("snake_case", "camelCase")
# `casing:` as a property, in a comment-free text (comments blanked, positions kept)
_CASING_PROP = re.compile(r"""(?<![\w$.])(["']?)casing\1\s*:\s*""")
_DRIZZLE_CALL = re.compile(r"(?<![\w$.])drizzle\s*\(")


def _blank_comments(text: str) -> str:
    """``text`` with its comments as spaces (newlines kept): positions in it are the file's own."""
    def blank(m):
        s = m.group(0)
        return s if s[0] in "\"'`" else re.sub(r"[^\n]", " ", s)
    return _STRINGS_AND_COMMENTS.sub(blank, text)


def _at(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"{line}:{pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def _casing_in(file, text: str, calls_only: bool) -> list[tuple[str, str]]:
    """The `casing:` values written in ``text`` (of ``file``): (value, file:line:col).  With calls_only, only
    those of a drizzle({ ... }) call's options.  A value other than a string literal is refused there."""
    from .errors import SchemactlError
    body, out = _blank_comments(text), []
    starts = [m.end() for m in _DRIZZLE_CALL.finditer(body)] if calls_only else [0]
    # braces outside strings, for the depth of a property: the options' own casing is at depth 1 (a config's
    # introspect: { casing: "camel" } is drizzle-kit pull's, of another meaning)
    bare = _STRINGS_AND_COMMENTS.sub(lambda m: " " * len(m.group(0)), body)
    for start in starts:
        end = len(body) if not calls_only else _call_end(body, start)
        for m in _CASING_PROP.finditer(body, start, end):
            if bare.count("{", start, m.start()) - bare.count("}", start, m.start()) != 1:
                continue
            where = f"{file}:{_at(text, m.start())}"
            value = re.match(r"""(["'])([^"'\n]*)\1""", body[m.end():])
            if value is None or value.group(2) not in _CASINGS:
                raise SchemactlError(f"{where}: error: casing is not one of the string literals "
                                     f"{' or '.join(repr(c) for c in _CASINGS)} as written: import --drizzle reads it "
                                     "without running the file: write it as a literal (or give --casing)")
            out.append((value.group(2), where))
    return out


def _call_end(body: str, start: int) -> int:
    depth, i = 1, start
    while i < len(body) and depth:
        depth += {"(": 1, ")": -1}.get(body[i], 0)
        i += 1
    return i


def drizzle_config(path) -> "Path | None":
    """The drizzle.config drizzle-kit reads for the project of a schema file: in the schema file's directory
    or one above it, up to the project's root (the first with package.json)."""
    from pathlib import Path
    for d in (Path(path).resolve().parent, *Path(path).resolve().parents):
        found = next((d / n for n in _CONFIG_FILES if (d / n).is_file()), None)
        if found is not None:
            return found
        if (d / "package.json").is_file():
            return None
    return None


def command_casing(path, given: str | None) -> str | None:
    """The casing import --drizzle reads ``path`` with: --casing's (``given``), else the project's
    (drizzle_casing); None for none."""
    found = (given, "--casing") if given else drizzle_casing(path)
    return found[0] if found and found[0] != "none" else None


def drizzle_casing(path) -> tuple[str, str] | None:
    """(casing, where it is written) for a Drizzle schema file: `casing` of the project's drizzle.config (what
    drizzle-kit generate names a column declared without a name by: createdAt -> created_at), or of a
    drizzle({ casing }) call in the schema file, a local module it imports, or a module beside it (the db.ts
    that opens the database).  Two different casings are an error naming both."""
    import json as _json
    from pathlib import Path
    from .drizzle_module import shown
    from .errors import SchemactlError
    found: list[tuple[str, str]] = []
    config = drizzle_config(path)
    if config is not None:
        text = config.read_text("utf-8")
        if config.suffix == ".json":
            try:
                value = _json.loads(text).get("casing")
            except (ValueError, AttributeError):
                value = None
            if value is not None:
                if value not in _CASINGS:
                    raise SchemactlError(f"{shown(str(config))}: error: casing {value!r} is not one of {_CASINGS}")
                found.append((value, shown(str(config))))
        else:
            found += _casing_in(shown(str(config)), text, calls_only=False)
    first = Path(path).resolve()
    modules = [first, *sorted(p for p in first.parent.glob("*.ts") if p != first and not p.name.endswith(".d.ts")
                              and p.name != "drizzle.config.ts")]
    queue, seen = list(modules), set()
    while queue and len(seen) < 500:
        file = queue.pop(0)
        if str(file) in seen:
            continue
        seen.add(str(file))
        try:
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "casing" in text:
            found += _casing_in(shown(str(file)), text, calls_only=True)
        if file == first:
            for _, spec in _LOCAL_MODULE.findall(_module_naming_part(text)):
                base = file.parent / re.sub(r"\.([mc]?)js$", r".\1ts", spec)
                nxt = next((c for c in (Path(f"{base}{x}") for x in _MODULE_FILES) if c.is_file()), None)
                if nxt is not None:
                    queue.append(nxt.resolve())
    values = sorted({v for v, _ in found})
    if len(values) > 1:
        raise SchemactlError(f"{path}: the project names two casings: "
                             + " and ".join(f"{v} ({w})" for v, w in found)
                             + ": drizzle-kit generate names columns by drizzle.config's, the queries by drizzle()'s; "
                               "make them one, or give --casing")
    return (values[0], found[0][1]) if values else None
