"""The schema hash: sha256 over a canonical form of the model.

The canonical form holds exactly what shapes either engine's schema: tables
(sorted by name), columns (in order: position is part of the schema), types,
nullability, defaults, keys, checks and indexes (sorted by name), enum values
(in order), the PostgreSQL schema name and the SQLite storage options.  It
leaves out the manifest's layout, key order, YAML comments, ``description``
fields, ``name``, ``version`` and ``hash`` itself.  Expressions enter in the
form sqlglot renders them, so ``a>0`` and ``a > 0`` hash alike.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import yaml

from ..errors import SchemactlError
from .model import ENGINES, Manifest

HASH_FORMAT = 1


def _expr(e):
    return None if e is None else dict(e.sql)


def _default(d):
    if d is None:
        return None
    return {"kind": d.kind, "value": _expr(d.expr) if d.kind == "sql" else _jsonable(d.value)}


def _index(i) -> dict:
    out = {"name": i.name, "unique": i.unique, "where": _expr(i.where), "columns": [_index_key(c) for c in i.columns]}
    if i.method != "btree":      # keys added later appear only when used, so earlier hashes stay valid
        out["method"] = i.method
    if i.engines != ENGINES:
        out["engines"] = list(i.engines)
    return out


def _index_key(c) -> list:
    key = [c.name, c.desc]
    if c.expr is None and not c.nulls and not c.opclass:   # (the common column: nothing to add)
        return key
    extra = {k: v for k, v in (("expr", _expr(c.expr)), ("nulls", c.nulls), ("opclass", c.opclass)) if v}
    return key + [extra] if extra else key


def _jsonable(v):
    return v.isoformat() if hasattr(v, "isoformat") else v


def canonical(m: Manifest) -> dict:
    tables = []
    for t in sorted(m.tables, key=lambda t: t.name):
        tables.append({
            "name": t.name,
            "columns": [{
                "name": c.name, "type": c.type.spelled(), "nullable": c.nullable,
                "default": _default(c.default), "identity": c.identity, "comment": c.comment,
                **({"engine_types": [list(x) for x in c.engine_types]} if c.engine_types else {}),
                **({"generated": {"expr": _expr(c.generated.expr), "stored": c.generated.stored}}
                   if c.generated else {}),
            } for c in t.columns],
            "primary_key": t.primary_key and {"name": t.primary_key.name, "columns": list(t.primary_key.columns)},
            "uniques": sorted(({"name": u.name, "columns": list(u.columns)} for u in t.uniques),
                              key=lambda x: x["name"]),
            "foreign_keys": sorted(({"name": f.name, "columns": list(f.columns), "ref_table": f.ref_table,
                                     "ref_columns": list(f.ref_columns), "on_delete": f.on_delete,
                                     "on_update": f.on_update,
                                     **({"deferrable": f.deferrable} if f.deferrable else {})}
                                    for f in t.foreign_keys), key=lambda x: x["name"]),
            "checks": sorted(({"name": c.name, "expr": _expr(c.expr)} for c in t.checks), key=lambda x: x["name"]),
            "indexes": sorted((_index(i) for i in t.indexes), key=lambda x: x["name"]),
            "comment": t.comment, "strict": t.strict, "without_rowid": t.without_rowid,
            **({"sqlite_primary_key_not_null": t.pk_not_null} if t.pk_not_null is not None else {}),
            **({"search": {"name": t.search.name, "columns": list(t.search.columns)}} if t.search else {}),
            **({"row_level_security": True} if t.row_level_security else {}),
            **({"force_row_level_security": True} if t.force_row_level_security else {}),
        })
    out = {
        "hash_format": HASH_FORMAT,
        "postgres_schema": m.pg_schema,
        "sqlite_timestamptz": m.time_storage,
        "enums": [{"name": e.name, "values": list(e.values)} for e in sorted(m.enums, key=lambda e: e.name)],
        "tables": tables,
    }
    if m.spell:  # keys added later appear only when used, so earlier hashes stay valid
        out["spell"] = [list(x) for x in m.spell]
    if m.features:
        out["features"] = list(m.features)
    if m.triggers:
        out["triggers"] = [_trigger(t) for t in m.triggers]
    if m.functions:
        out["functions"] = [{"name": f.name, "definition": f.definition}   # creation order is not the schema
                            for f in sorted(m.functions, key=lambda f: f.name)]
    if m.sequences:
        out["sequences"] = [{"name": s.name, "type": s.type, "start": s.start, "increment": s.increment,
                             "min": s.min_value, "max": s.max_value, "cycle": s.cycle, "owned_by": s.owned_by}
                            for s in m.sequences]
    if m.policies:
        out["policies"] = [{"name": p.name, "table": p.table, "command": p.command, "roles": list(p.roles),
                            "permissive": p.permissive, "using": _expr(p.using), "with_check": _expr(p.check)}
                           for p in m.policies]
    if m.pg_roles:
        out["postgres_roles"] = list(m.pg_roles)
    if m.views:
        out["views"] = [{"name": v.name, "sql": _expr(v.query), **({"comment": v.comment} if v.comment is not None
                                                                   else {})}   # only when used: old hashes stay
                        for v in sorted(m.views, key=lambda v: v.name)]
    if not m.pk_not_null:
        out["sqlite_primary_key_not_null"] = False
    return out


def _trigger(t) -> dict:
    out = {"name": t.name, "table": t.table, "timing": t.timing, "event": t.event, "body": _expr(t.body)}
    extra = {"function": t.function, "when": _expr(t.when), "each": t.each if t.each != "row" else None}
    return {**out, **{k: v for k, v in extra.items() if v is not None}}   # only when used: old hashes stay


# The fields of a Manifest that canonical() reads (tests/manifest/test_hashing.py proves the others do not
# change the hash).  A model is immutable, so the hash of the same objects is computed once per process
# (generate asks for it three times; a copy with another version: shares them all).
HASHED_FIELDS = ("tables", "enums", "pg_schema", "time_storage", "spell", "features", "triggers", "functions",
                 "sequences", "policies", "views", "pk_not_null", "pg_roles")
_MEMO: dict = {}


def schema_hash(m: Manifest) -> str:
    parts = tuple(getattr(m, f) for f in HASHED_FIELDS)
    hit = _MEMO.get(tuple(map(id, parts)))
    if hit is not None and all(a is b for a, b in zip(hit[0], parts)):
        return hit[1]
    # (canonical() builds a new tree, never circular: not checked for cycles, which took a sixth of dumps)
    text = json.dumps(canonical(m), sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False)
    return remember(m, "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest())


def remember(m: Manifest, digest: str) -> str:
    """Note ``digest`` as ``m``'s schema hash (computed by this process or, for the same model, by a process
    forked from it: render.outputs)."""
    parts = tuple(getattr(m, f) for f in HASHED_FIELDS)
    if len(_MEMO) >= 16:
        _MEMO.clear()
    _MEMO[tuple(map(id, parts))] = (parts, digest)    # the objects stay referenced: their ids are not reused
    return digest


class RewriteRefused(SchemactlError):
    """The manifest's text cannot be changed in place without changing anything else (exit 2)."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(f"{line}:{col}: {message}")
        self.line, self.col, self.message = line, col, message


# libyaml when present: the rewrite reads the whole manifest several times (a 1,000-table manifest
# takes seconds with the pure-Python reader); both give the same nodes and character offsets.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str):
    return yaml.load(text, Loader=_LOADER)


def _top(text: str):
    """The document's top-level mapping node (positions are character offsets into ``text``)."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RewriteRefused(mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                             "the manifest is not valid YAML") from None
    if not isinstance(root, yaml.MappingNode):
        raise RewriteRefused(1, 1, "the manifest is not a mapping")
    return root


def _value_node(root, key: str):
    for k, v in root.value:
        if isinstance(k, yaml.ScalarNode) and k.tag == "tag:yaml.org,2002:str" and k.value == key:
            return k, v
    return None, None


def _alias_span(text: str, key: str) -> tuple[int, int]:
    """Offsets of the alias (``*name``) that is the top-level ``key``'s value."""
    depth, expect_key, current = 0, False, None
    for event in yaml.parse(text, Loader=_LOADER):
        if depth == 1 and not isinstance(event, yaml.MappingEndEvent):
            if expect_key:
                current = event.value if isinstance(event, yaml.ScalarEvent) else None
            elif current == key and isinstance(event, yaml.AliasEvent):
                return event.start_mark.index, event.end_mark.index
            expect_key = not expect_key
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if depth == 0:
                expect_key = True
            depth += 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    raise RewriteRefused(1, 1, f"cannot find the top-level {key}: value")


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _scalar(value: str, node) -> list[str]:
    """Spellings of ``value`` to try in place of ``node``: its own quoting first."""
    double = '"' + value + '"'
    if node is not None and getattr(node, "style", None) == "'":
        return ["'" + value + "'", double]
    if node is not None and getattr(node, "style", None) == '"':
        return [double]
    return [value, double]


def _set_top_level(text: str, key: str, value: str) -> list[str]:
    """Candidate texts with the top-level ``key`` set to ``value`` (every other byte as it was)."""
    if text.startswith("\ufeff"):            # libyaml's offsets do not count a byte order mark
        return ["\ufeff" + t for t in _set_top_level(text[1:], key, value)]
    root = _top(text)
    k, v = _value_node(root, key)
    if v is not None:
        if not isinstance(v, yaml.ScalarNode):
            raise RewriteRefused(v.start_mark.line + 1, v.start_mark.column + 1,
                                 f"the top-level {key}: value is not a plain value")
        start, end = v.start_mark.index, v.end_mark.index
        if start < k.end_mark.index:           # `hash: *name`: the node is the anchor's; replace the alias
            start, end = _alias_span(text, key)
        out = []
        for spelled in _scalar(value, v):
            if v.style in ("|", ">"):          # a block scalar's span ends after its line break
                spelled += _newline(text)
            elif start == end:                 # `hash:` with nothing after it
                spelled = " " + spelled
            out.append(text[:start] + spelled + text[end:])
        return out
    if root.flow_style:                        # {format: 1, ...}: first entry of the flow mapping
        at = root.start_mark.index + 1
        return [text[:at] + f"{key}: {s}, " + text[at:] for s in _scalar(value, None)]
    keys = [kn for kn, _ in root.value]
    if not keys:
        raise RewriteRefused(1, 1, f"the manifest has no keys to put {key}: beside")
    after = [i for i, (kn, _) in enumerate(root.value) if getattr(kn, "value", None) == "version"]
    nl = _newline(text)
    if after and after[0] + 1 < len(keys):     # on its own line before the key that follows version:
        anchor = keys[after[0] + 1]
    elif after:                                # version: is the last key: at the end
        tail = text if text.endswith(("\n", "\r")) else text + nl
        indent = " " * keys[0].start_mark.column
        return [tail + f"{indent}{key}: {s}{nl}" for s in _scalar(value, None)]
    else:
        anchor = keys[0]
    line_start = anchor.start_mark.index - anchor.start_mark.column
    indent = " " * anchor.start_mark.column
    if text[line_start:anchor.start_mark.index] != indent:   # the key does not begin its line
        raise RewriteRefused(anchor.start_mark.line + 1, anchor.start_mark.column + 1,
                             f"no line to put {key}: on")
    return [text[:line_start] + f"{indent}{key}: {s}{nl}" + text[line_start:] for s in _scalar(value, None)]


def _settle(text: str, changes: dict) -> str:
    """``text`` with each top-level key of ``changes`` set, checked: the result must load to the same
    document with exactly those values changed, else RewriteRefused."""
    want = _load(text)
    if not isinstance(want, dict):
        raise RewriteRefused(1, 1, "the manifest is not a mapping")
    want = dict(want)
    current = text
    for key, value in changes.items():
        want[key] = value
        for candidate in _set_top_level(current, key, str(value)):
            try:
                got = _load(candidate)
            except yaml.YAMLError:
                continue
            if got == want:
                current = candidate
                break
        else:
            _, node = _value_node(_top(current), key)
            line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (1, 1)
            raise RewriteRefused(line, col, f"cannot set {key}: in place without changing anything else; "
                                            f"set it by hand to {value}")
    return current


def rewrite_hash(text: str, new_hash: str) -> str:
    """``text`` with its top-level ``hash:`` value set to ``new_hash`` (RewriteRefused when that cannot
    be done without changing anything else).

    Only that value changes; every other byte stays as it was.  Without a top-level
    ``hash:`` key one is added on its own line after ``version:`` (first in a flow mapping).
    """
    return _settle(text, {"hash": new_hash})


def hashed_text(path: Path, new_hash: str, version: int | None = None, shown: str | None = None) -> tuple[str, str]:
    """(current text, text with the hash and, when given, the version set) of a manifest file.
    A change that would alter anything else, or an unreadable file, is a SchemactlError."""
    shown = shown or str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemactlError(f"{shown}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    changes = {"hash": new_hash}
    if version is not None:
        changes["version"] = int(version)
    try:
        return text, _settle(text, changes)
    except RewriteRefused as exc:
        raise SchemactlError(f"{shown}:{exc.line}:{exc.col}: {exc.message}; nothing was written") from None


def write_hash(path: Path, new_hash: str, version: int | None = None, shown: str | None = None) -> bool:
    """Update the file in place (atomically): the hash, and the version when given. True if it changed.
    A change that would alter anything else, or an unwritable file, is a SchemactlError (nothing written)."""
    from ..output import atomic_write_all
    shown = shown or str(path)
    text, new = hashed_text(path, new_hash, version, shown)
    if new == text:
        return False
    try:
        atomic_write_all({path: new})
    except OSError as exc:
        raise SchemactlError(f"{shown}: cannot write: {exc.strerror or exc}; nothing was written") from None
    return True


# ---------------------------------------------------------------- a malformed hash: value

_WELL_FORMED = re.compile(r"^sha256:[0-9a-f]{64}$")
STAND_IN = "sha256:" + "0" * 64


def _stand_in_text(text: str) -> str | None:
    """``text`` with a malformed top-level ``hash:`` value ("sha256:abc", "", null, merge-conflict text)
    replaced by a well-formed stand-in, or None when the hash is absent, well formed, or cannot be replaced
    in place.  Only for loading: the stand-in is never written."""
    try:
        data = _load(text)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(data, dict) or "hash" not in data:
        return None
    value = data["hash"]
    if isinstance(value, str) and _WELL_FORMED.match(value):
        return None
    try:
        return _settle(text, {"hash": STAND_IN})
    except (RewriteRefused, yaml.YAMLError, RecursionError):
        return None


def load_for_hash(project, paths: list, features: frozenset = frozenset()) -> list:
    """The manifests as ``project.load_all`` loads them, except that a malformed top-level ``hash:`` value
    is no problem: it is what `hash --write` replaces (and what validate sends the user to it for).  A
    manifest with other problems too is reported with those (not with the advice to run `hash --write`)."""
    from dataclasses import replace

    from ..errors import ManifestInvalid
    from ..project import load_all
    from .load import load_text
    try:
        return load_all(project, paths, features)
    except ManifestInvalid as exc:
        failure = exc
    loaded, names, problems = [], {}, []
    for path in paths:
        shown = project.display(path)
        try:
            text = Path(path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raise failure from None
        stand_in = _stand_in_text(text)
        try:
            m = load_text(stand_in or text, shown, features)
        except ManifestInvalid as exc:
            if stand_in is None:
                raise failure from None
            problems += exc.diagnostics
            continue
        if names.setdefault(m.name, path) != path:
            raise failure from None
        loaded.append((path, replace(m, source=shown)))
    if problems:
        raise ManifestInvalid(problems)
    return loaded
