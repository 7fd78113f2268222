"""`import --drizzle`: what the team's TypeScript module says beyond its SQL.

``drizzle-kit export`` gives the DDL (read by schemactl.importer); this module loads the same file through
the project's pinned tool chain (typescript + drizzle-orm, by ``drizzle_module.cjs``) and writes what only
the TypeScript knows into the imported manifest's ``drizzle:`` blocks: export names, property keys, builder
modes, enum unions, ``$type<...>()``, ``$defaultFn``/``$onUpdate`` as written, custom types, table creator
prefixes and the pgSchema/pgEnum export names.  ``generate`` renders them back (schemactl.render.drizzle).

Loading the module executes it, as drizzle-kit does: import only a file you would run.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from .errors import SchemactlError

IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")

# drizzle-orm column classes -> the builder mode they stand for (one class per mode on pg-core)
MODES = {
    "PgTimestamp": "date", "PgTimestampString": "string", "PgDate": "date", "PgDateString": "string",
    "PgBigInt53": "number", "PgBigInt64": "bigint", "PgNumeric": "string", "PgNumericNumber": "number",
    "PgNumericBigInt": "bigint", "SQLiteBoolean": "boolean", "SQLiteTextJson": "json", "SQLiteBlobJson": "json",
    "SQLiteBlobBuffer": "buffer", "SQLiteBigInt": "bigint", "SQLiteInteger": "number", "SQLiteNumeric": "string",
    "SQLiteNumericNumber": "number", "SQLiteNumericBigInt": "bigint",
    "PgBigSerial53": "number", "PgBigSerial64": "bigint",
    "PgPointTuple": "tuple", "PgPointObject": "xy", "PgLine": "tuple", "PgLineABC": "abc",
}


# What `drizzle-kit export` prints for a schema file, as the Node process of read_module wrote it:
# (resolved path, text, casing) -> DDL, or the _Node still writing it.  schemactl.importer.drizzle_export takes
# it from here (one Node start).
_EXPORTED: dict[tuple[str, str, str | None], object] = {}


def exported(path: Path, text: str, casing: str | None = None) -> str | None:
    key = (str(path.resolve()), text, casing)
    found = _EXPORTED.get(key)
    if isinstance(found, _Node):
        found = _EXPORTED[key] = found.rest().get("ddl")
    return found


def done_with(path: Path, text: str, casing: str | None = None) -> None:
    """The import needs no SQL of the module (its snapshot sufficed): the Node process still writing it ends."""
    found = _EXPORTED.pop((str(path.resolve()), text, casing), None)
    if isinstance(found, _Node):
        found.stop()


class _Node:
    """The Node process of read_module: its first line of answer, then (where it said one follows) the second;
    its stderr read all along (what the module prints must not fill the pipe and stall it), within 300 s."""

    def __init__(self, argv: list[str], cwd: str, path: Path):
        import time
        self.path, self.deadline = path, time.monotonic() + 300
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=cwd)
        import atexit   # a caller that never asks for the SQL: the process does not outlive this one
        atexit.register(self.stop)
        self.out, self.err = bytearray(), bytearray()
        self.err_fd = self.proc.stderr.fileno()
        self.open = {self.proc.stdout.fileno(): self.out, self.err_fd: self.err}

    def _pump(self, enough) -> None:
        """Read both pipes until enough() or both end."""
        import select
        import time
        while self.open and not enough():
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise SchemactlError(f"{self.path}: loading the module took more than 300 s") from None
            for fd in select.select(list(self.open), [], [], left)[0]:
                self._pump_once(fd)

    def sql_wanted(self, wanted: bool) -> None:
        """Tell Node, which waits for it once it has written the snapshot, whether the SQL is still wanted."""
        try:
            self.proc.stdin.write(b"d" if wanted else b"n")
            self.proc.stdin.close()
        except OSError:   # (it has ended: its answer, or its end without one, says why)
            pass

    def first(self) -> str:
        """The first line of stdout (all of it where the process ended without one)."""
        self._pump(lambda: b"\n" in self.out)
        end = self.out.find(b"\n")
        line = bytes(self.out[:end + 1] if end >= 0 else self.out)
        del self.out[:len(line)]
        if end < 0:
            self.proc.wait()
        return line.decode("utf-8", "replace")

    def printed(self) -> str:
        """What the process wrote to stderr so far (and what is waiting on the pipe now)."""
        import select
        err = self.err_fd
        while err in self.open and select.select([err], [], [], 0)[0]:
            self._pump_once(err)
        return self.err.decode("utf-8", "replace")

    def _pump_once(self, fd: int) -> None:
        import os
        chunk = os.read(fd, 1 << 16)
        if chunk:
            self.open[fd] += chunk
        else:
            del self.open[fd]

    def drain(self) -> str:
        """All the process writes to stdout until it ends."""
        self._pump(lambda: False)
        self.stop()
        text = self.out.decode("utf-8", "replace")
        self.out.clear()
        return text

    def rest(self) -> dict:
        """The last line of the answer ({"ddl": …}, or {} where Node could not write it)."""
        self._pump(lambda: False)
        self.stop()
        try:
            return json.loads(self.out) if self.out.strip() else {}
        except ValueError:
            return {}

    def stop(self) -> None:
        import atexit
        atexit.unregister(self.stop)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.open.clear()
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:   # (stdin's unwritten byte, to a process that ended)
                pass


def shown(file: str) -> str:
    """A module's path as a message names it: from the current directory where it is below it."""
    p = Path(file)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def read_module(path: Path, casing: str | None = None, on_snapshot=None) -> dict:
    """What drizzle-orm and the TypeScript compiler read from the module at ``path`` (executing it).

    The same Node process also writes drizzle-kit's snapshot of the module ("snapshot": ``on_snapshot`` of it,
    called while Node still reads the module's source; the snapshot itself without one) and the file's
    `drizzle-kit export` where it can (see exported()).  With a
    ``casing`` (drizzle.config's), a column declared without a name is named as drizzle-kit generate names it
    (createdAt -> created_at), in the module's columns and in that SQL."""
    run = _STARTED.pop((str(path.resolve()), casing), None) or start(path, casing)
    text = path.read_text("utf-8")
    _prepare()   # on the other core, while Node works
    out = _answer(run, path)
    early, failed = None, None
    if set(out) == {"snapshot"}:   # drizzle-kit's snapshot, written while Node still reads the source
        try:
            early = on_snapshot(out["snapshot"]) if on_snapshot is not None else out["snapshot"]
        except Exception as exc:  # noqa: BLE001 -- raised once the module is known to have loaded
            failed = exc
        # the SQL only where on_snapshot did not read the schema from the snapshot (drizzle-kit's diff takes a core
        # the reading of the source needs)
        run.sql_wanted(on_snapshot is None or early is None or failed is not None)
        out = _answer(run, path)
    if out.pop("snapshotValid", False):   # of the module as Node loaded it (see drizzle_module.cjs)
        if failed is not None:
            run.stop()
            raise failed
        out["snapshot"] = early
    # what the module printed while it loaded (console.log, a dotenv notice, a warning): the module has loaded
    # once the first line is there, and what it printed is on the pipe before it
    if out.pop("ddlFollows", False):
        stderr = run.printed()
        _EXPORTED[(str(path.resolve()), text, casing)] = run
    else:
        run.rest()
        stderr = run.printed()
    if stderr.strip():
        sys.stderr.write(f"{path}: the module printed while Node loaded it:\n"
                         + "".join(f"  {line}\n" for line in stderr.rstrip().splitlines()))
    return out


# Node processes started ahead of read_module (by the command, before it imports the import's heavier modules):
# (resolved path, casing) -> _Node
_STARTED: dict[tuple[str, str | None], "_Node"] = {}


def start(path: Path, casing: str | None = None) -> "_Node":
    """Node reading the module at ``path`` (drizzle_module.cjs), started: read_module reads its answer."""
    from .drizzle_files import drizzle_dialect, drizzle_kit
    node = shutil.which("node")
    if node is None:
        raise SchemactlError(f"{path}: node not found: import --drizzle loads the schema module with Node.js")
    text = path.read_text("utf-8")
    dialect, tool = drizzle_dialect(path, text), drizzle_kit(str(path))
    # (--ask-sql: once it has written the snapshot, Node waits for sql_wanted's answer)
    extra = ["--sql", dialect[1], "--kit", tool, "--ask-sql"] if dialect and tool else []
    if casing is not None:
        extra += ["--casing", casing]
    from .usercache import cache
    code_cache = cache("node")
    if code_cache is not None:   # compiled code of typescript and drizzle-kit's API (drizzle_module.cjs)
        extra += ["--code-cache", str(code_cache)]
    script = Path(__file__).with_name("drizzle_module.cjs")
    if script.is_file():   # (an installed package's files are files: importlib.resources, 10 ms, is not loaded)
        return _Node([node, str(script), str(path.resolve()), *extra], str(path.resolve().parent), path)
    from importlib import resources
    helper = resources.files("schemactl").joinpath("drizzle_module.cjs")
    with resources.as_file(helper) as script:
        run = _Node([node, str(script), str(path.resolve()), *extra], str(path.resolve().parent), path)
    return run


def start_ahead(path: Path, casing: str | None = None) -> None:
    """start(), for the read_module that follows (the process ends with the command if none does); once for a
    file and casing (the console script may have started it before the command did)."""
    key = (str(path.resolve()), casing)
    if key not in _STARTED:
        _STARTED[key] = start(path, casing)


def _answer(run: _Node, path: Path) -> dict:
    """The next line of Node's answer; an error it reports (or its end without one) raised, located."""
    line = run.first()
    while line == "\n":   # (an error's line starts on a line of its own)
        line = run.first()
    try:
        out = json.loads(line)
    except ValueError:
        # an error written while the SQL thread wrote its line: on a line of its own in what follows
        rest = line + run.drain()
        found = [o for o in (_json(x) for x in rest.splitlines()) if isinstance(o, dict) and "error" in o]
        if found:
            out = found[0]
        else:
            stderr = run.printed()
            run.stop()
            if run.proc.returncode == -signal.SIGINT:   # Ctrl-C reached Node first: the command was interrupted
                raise KeyboardInterrupt
            detail = " ".join((stderr or line).split())[:300]
            if not line.strip():   # Node ended before the answer: the module (or one it imports) ended it
                raise SchemactlError(f"{path}: loading the module with Node ended the process before the module could "
                                     f"be read (exit code {run.proc.returncode}; a process.exit() in the module or "
                                     "one it imports?)" + (f": {detail}" if detail else "")) from None
            raise SchemactlError(f"{path}: loading the module with Node failed: {detail}") from None
    if "error" in out:
        run.stop()
        module = shown(out["file"]) if out.get("file") and Path(out["file"]) != path.resolve() else str(path)
        where = ":".join([module, *(str(out[k]) for k in ("line", "col") if out.get(k))])
        raise SchemactlError(f"{where}: {out['error']}")
    return out


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


# What the import does next (read the DDL back on PostgreSQL, map it, write and check the manifest) imports
# these; importing them while Node runs takes that time off the command's.
# (Not psycopg nor the server's modules: a pg-core import's server start imports them in its own thread
# meanwhile, and two threads importing one module at once can see it half-initialised.)
_NEXT = ("sqlglot", "schemactl.introspect.postgres", "schemactl.manifest.load", "schemactl.manifest.hashing",
         "schemactl.importer_yaml", "schemactl.expect")


def _prepare() -> None:
    import importlib
    for name in _NEXT:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - whoever needs it later reports it as before
            pass


def _in(item: dict, source: str) -> str:
    """The file an item of the module's answer is declared in: a local module the schema file re-exports (its
    "file"), or the schema file."""
    return shown(item["file"]) if item.get("file") else source


def _imports(used: dict, where: str, what: str, notes: list, kept_names: frozenset = frozenset()) -> list | None:
    """The manifest's imports: list for the code ``used``, or None when it needs a declaration of the
    team's file (or a module relative to it) that the generated file does not have."""
    if (set(used.get("locals", ())) - kept_names) or used.get("private"):
        notes.append((where, f"{what} uses {', '.join(used['locals'])}, declared in the file: left out "
                             "(move it to a module of its own, import it from there, then import again)"))
        return None
    out = []
    for i in used.get("imports", ()):
        if i["module"].startswith("."):
            notes.append((where, f"{what} uses {i['local']} from {i['module']}, a path relative to the file: "
                                 "left out (the generated file lives elsewhere)"))
            return None
        if i["module"] == "drizzle-orm" and i["name"] == i["local"] == "sql":
            continue   # the generated file imports sql itself when it needs it
        entry = {"from": i["module"], "name": i["name"]}
        if i["local"] != i["name"]:
            entry["as"] = i["local"]
        if i.get("type"):
            entry["type_only"] = True
        out.append(entry)
    return out


def annotate(doc: dict, info: dict, source: str) -> list[tuple[str, str]]:
    """Write ``drizzle:`` blocks into the imported ``doc`` (tables and columns matched by their SQL names);
    returns what of the module could not be kept: (file:line:col in ``source``, what and why)."""
    notes: list[tuple[str, str]] = []
    tables = doc.get("tables", {})
    top: dict = {"core": info["core"]} if info.get("core") else {}
    creators = {k: v for k, v in sorted(info.get("creators", {}).items()) if IDENT.match(k)}
    used_creators, customs = set(), {}
    for t in info.get("tables", ()):
        spec = tables.get(t["name"])
        if spec is None:
            continue   # left out by the import (listed there)
        block = {}
        if IDENT.match(t["export"]):
            block["export"] = t["export"]
        if t.get("creator") in creators:
            block["creator"] = t["creator"]
            used_creators.add(t["creator"])
        names = {c.get("name") for c in spec.get("checks", ()) if isinstance(c, dict)}
        checks = {k: v for k, v in t.get("checks", {}).items() if k in names}   # in the team's order
        if checks:   # check(name, sql`${table.s} > 0`) as written: drizzle-kit writes "t"."s" > 0
            block["checks"] = checks
        names = {i.get("name") for i in spec.get("indexes", ()) if isinstance(i, dict) and i.get("where")}
        wheres = {k: v for k, v in sorted(t.get("index_where", {}).items()) if k in names}
        if wheres:   # an index's .where(sql`${t.active} = true`) as written: drizzle-kit writes "p"."active" = true
            block["index_where"] = wheres
        exprs = {i.get("name"): len(i.get("columns") or ()) for i in spec.get("indexes", ()) if isinstance(i, dict)
                 and any(isinstance(k, dict) and "expr" in k for k in i.get("columns") or ())}
        exprs = {k: v for k, v in sorted(t.get("index_exprs", {}).items()) if len(v) == exprs.get(k)}
        if exprs:   # an index's .on(sql`lower(${t.name})`) as written: drizzle-kit writes lower("name")
            block["index_exprs"] = exprs
        names = [i.get("name") for i in spec.get("indexes", ()) if isinstance(i, dict)]
        order = [n for n in t.get("index_order", ()) if n in names]
        if order != sorted(order):   # declared out of name order: drizzle-kit writes CREATE INDEX as declared
            block["index_order"] = order
        if block:
            spec["drizzle"] = block
        _named_key(spec, t.get("primary_key"))
    if used_creators:
        top["creators"] = {k: creators[k] for k in sorted(used_creators)}
    enums = {k: v for k, v in sorted(info.get("enums", {}).items()) if k in doc.get("enums", {}) and IDENT.match(v)}
    if enums:
        top["enums"] = enums
    schema = doc.get("postgres", {}).get("schema")
    if schema and IDENT.match(info.get("schemas", {}).get(schema, "")):
        top["schema"] = info["schemas"][schema]
    kept = _relations(doc, info, source, notes)
    kept |= {t["drizzle"]["export"] for t in tables.values() if "export" in t.get("drizzle", {})}
    kept |= set(enums.values())
    types = {}
    for t in info.get("types", ()):
        where = f"{_in(t, source)}:{t['line']}:{t['col']}"
        found = _imports(t, where, f"type {t['name']}", notes, frozenset(kept))
        if found is not None:
            types[t["name"]] = {**({"params": t["params"]} if t["params"] else {}), "type": t["text"],
                                **({"imports": found} if found else {})}
    if types:
        top["types"] = types
    # the columns' code may use what the generated file declares too: its exported type aliases, tables, enums
    usable = frozenset(kept | set(types))
    for t in info.get("tables", ()):
        if t.get("unread") and t["name"] in tables:   # $type<>() leaves no trace in drizzle-orm's objects
            notes.append((f"{source}:1:1", f"table {t['export']}: its declaration is not found in the file nor in a "
                                           "local module it re-exports: a $type<>() of its columns is not read"))
    for t in info.get("tables", ()):
        spec = tables.get(t["name"])
        for c in t["columns"] if spec is not None else ():
            cspec = spec["columns"].get(c["name"])
            if cspec is None:
                continue
            if isinstance(cspec, str):
                cspec = spec["columns"][c["name"]] = {"type": cspec}
            where = f"{_in(c if 'line' in c else t, source)}:{c.get('line', t.get('line', 1))}:" \
                    f"{c.get('col', t.get('col', 1))}"
            col = _column({**c, "table_unread": True} if t.get("unread") else c, t["dialect"], where, notes,
                          customs, usable)
            if _is_now(cspec.get("default")) and c.get("default_now") is not None and \
                    c["default_now"] is (cspec.get("default") != {"fn": "now"} or cspec["type"] != "timestamptz"):
                # defaultNow() (drizzle-kit: DEFAULT now()) where the manifest's now writes CURRENT_TIMESTAMP,
                # CURRENT_DATE or a time's (CURRENT_TIMESTAMP); a timestamptz's sql`CURRENT_TIMESTAMP`, where it
                # writes defaultNow()
                col["default_now"] = c["default_now"]
            default = cspec.get("default")
            engine = "sqlite" if t["dialect"] == "sqlite" else "postgres"
            if isinstance(default, dict) and "sql" in default and c.get("default_sql") and \
                    "default_now" not in col and _respelled(c["default_sql"], engine):
                # the team's sql`...` default as written: the manifest's expression is respelled (unixepoch() ->
                # UNIXEPOCH()), another default to drizzle-kit
                col["default_sql"] = c["default_sql"]
            elif default is not None and not isinstance(default, dict) and c.get("default_sql") and \
                    "default_now" not in col and not _PLAIN_LITERAL.match(c["default_sql"].strip()):
                # the team's sql`...` for a default the manifest holds as a value (sql`ARRAY[]::text[]` -> []):
                # schemactl writes the value's own literal ('{}'), another DEFAULT to drizzle-kit
                col["default_sql"] = c["default_sql"]
            if cspec.get("identity") is True and (c.get("identity") == "always" or c.get("identity_options")):
                # generatedAlwaysAsIdentity() and the options: the manifest's identity is BY DEFAULT from 1 by 1
                if c.get("identity") == "always":
                    col["identity"] = "always"
                if c.get("identity_options"):
                    col["identity_options"] = c["identity_options"]
            if col:
                cspec["drizzle"] = col
    if customs:
        top["custom_types"] = dict(sorted(customs.items()))
    if top:
        doc["drizzle"] = top
    return notes


_PLAIN_LITERAL = re.compile(r"^(?:\(?-?\d+(?:\.\d+)?\)?|'(?:[^']|'')*')$")   # as schemactl writes a value


def _respelled(text: str, engine: str) -> bool:
    """Does the generated file write the team's default SQL ``text`` otherwise: sqlexpr's spelling of it, in the
    parentheses the DDL's default wraps it in (a team's sql`(1 + 1)` came back sql`((1 + 1))`, its sql`1 + 1`
    sql`(1 + 1)`)?"""
    from .sqlexpr import build
    try:
        shown = build({engine: text}).on(engine)
    except Exception:   # not read by the manifest's parser: its own spelling is unknown, the text is kept
        return True
    return shown is not None and text.strip() != f"({shown})"


def _is_now(default) -> bool:
    """Is a manifest column's default PostgreSQL's now(): {fn: now}, or an SQL default (a time column's, whose
    SQLite side has no portable now) that is now() on PostgreSQL?"""
    if default == {"fn": "now"}:
        return True
    sql = default.get("sql") if isinstance(default, dict) else None
    sql = sql.get("postgres") if isinstance(sql, dict) else sql
    return isinstance(sql, str) and sql.strip().lower() == "now()"


def _named_key(spec: dict, pk: dict | None) -> None:
    """A key the module names (primaryKey({ name, columns })) that the DDL read back as a column's own
    `primary_key: true` (drizzle-kit's SQLite DDL writes a one-column key without its name): the table's
    named primary key, its column NOT NULL, as the module declares it."""
    if not pk or len(pk["columns"]) != 1 or "primary_key" in spec:
        return
    col = spec["columns"].get(pk["columns"][0])
    if not isinstance(col, dict) or col.get("primary_key") is not True:
        return
    del col["primary_key"]
    col["nullable"] = False
    spec["primary_key"] = {"name": pk["name"], "columns": list(pk["columns"])}


def _column(c: dict, dialect: str, where: str, notes: list, customs: dict, usable: frozenset) -> dict:
    col: dict = {}
    if c["key"]:
        col["key"] = c["key"]
    mode = c.get("mode") if c["column_type"] == "SQLiteTimestamp" else MODES.get(c["column_type"])
    if mode:
        col["mode"] = mode
    if c.get("enum"):
        col["enum"] = list(c["enum"])
    imports: list = []
    for key, what in (("type", "$type<>()"), ("default_fn", "$defaultFn"), ("on_update", "$onUpdate")):
        code = c.get(key)
        if code is None:
            if c.get(f"{key}_unread") and c.get("table_unread"):
                notes.append((where, f"{what}: the table's declaration is not found in the file nor in a local "
                                     "module it re-exports: left out"))
            elif c.get(f"{key}_unread"):
                notes.append((where, f"{what} is not written in the column's own declaration: left out"))
            continue
        found = _imports(code, where, what, notes, usable)
        if found is not None:
            col[key] = code["text"]
            imports += [i for i in found if i not in imports]
    custom = c.get("custom")
    if c["column_type"] in ("PgCustomColumn", "SQLiteCustomColumn"):
        found = _imports(custom, where, f"customType {c.get('root')}", notes, usable) if custom else None
        if custom is None:
            notes.append((where, "the column's customType is not declared in the file: its SQL type's builder is "
                                 "written instead"))
        elif found is not None and IDENT.match(c["root"]):
            decl = {"declaration": custom["text"], **({"imports": found} if found else {})}
            customs[c["root"]] = decl
            col["custom"] = c["root"]
            if c.get("config"):
                col["config"] = c["config"]["text"]
    if imports:
        col["imports"] = imports
    return col


def _relations(doc: dict, info: dict, source: str, notes: list) -> set[str]:
    """The module's relations() in the tables' drizzle: blocks; returns the export names kept."""
    tables, kept = doc.get("tables", {}), set()
    for r in info.get("relations", ()):
        spec = tables.get(r["table"])
        if spec is None or not IDENT.match(r["export"]):
            continue
        where = f"{_in(r, source)}:{r.get('line', 1)}:{r.get('col', 1)}"
        entries = {}
        for e in r["entries"]:
            target = tables.get(e["target"])
            cols = [*e.get("fields", ())]
            missing = target is None or any(c not in spec["columns"] for c in cols) or any(
                c not in target["columns"] for c in e.get("references", ()))
            if missing or not IDENT.match(e["name"]):
                notes.append((where, f"relation {e['name']}: its table or columns are not in the manifest: left out"))
                continue
            entry = {e["kind"]: e["target"]}
            if "fields" in e:
                entry.update(fields=e["fields"], references=e["references"])
            if e.get("relation_name"):
                entry["relation_name"] = e["relation_name"]
            entries[e["name"]] = entry
        spec.setdefault("drizzle", {}).setdefault("relations", []).append({"export": r["export"], "with": entries})
        kept.add(r["export"])
    return kept
