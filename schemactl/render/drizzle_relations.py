"""drizzle-orm's relations() for the Drizzle files: derived from the foreign keys (names that read well,
stable across runs), or exactly the team's own (``drizzle:`` blocks from ``import --drizzle``).  A mixin of
schemactl.render.drizzle.DrizzleRenderer, with the English the names need."""

from __future__ import annotations

import functools
import json
import re

from ..manifest.model import Manifest


_WORDS = re.compile(r"[^0-9A-Za-z]+|_")


@functools.lru_cache(maxsize=65536)
def camel(name: str) -> str:
    parts = [p for p in _WORDS.split(name) if p]
    if not parts:
        return "x"
    out = parts[0][:1].lower() + parts[0][1:] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    return "_" + out if out[0].isdigit() else out


_JSON_ESCAPES = re.compile(r'[\x00-\x1f\\"]')     # what json.dumps escapes with ensure_ascii=False


@functools.lru_cache(maxsize=65536)
def js_string(value: str) -> str:
    """``value`` as a JSON (and JavaScript) string literal, exactly as json.dumps(ensure_ascii=False)."""
    if _JSON_ESCAPES.search(value) is None:
        return '"' + value + '"'
    return json.dumps(value, ensure_ascii=False)


_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@functools.lru_cache(maxsize=65536)
def key(prop: str) -> str:
    """A property key as written in an object literal (a team's key may be any string)."""
    return prop if _IDENT.match(prop) else js_string(prop)


@functools.lru_cache(maxsize=65536)
def member(owner: str, prop: str) -> str:
    """``owner.prop``, or ``owner["prop"]`` for a key that is no identifier."""
    return f"{owner}.{prop}" if _IDENT.match(prop) else f"{owner}[{js_string(prop)}]"


_SPECS: dict = {}   # id(model) -> (the model, its tables' variables, relation_specs()): the last one made


class RelationsMixin:
    """relation_specs() / team_relations() / relations() of DrizzleRenderer (self.m, self.names, self.prop)."""

    def relation_specs(self) -> dict[str, list[dict]]:
        """Table -> its relations, in order: one(...) per foreign key of the table (by key name), then
        many(...) per foreign key that references it (tables in manifest order, then key name).  Names:
        a key column ``<x>_<referenced column>`` or ``<x>_id`` reads as ``<x>`` (of a composite key, the one
        column whose name differs from the column it references); otherwise the referenced table in the
        singular;
        the one-to-many side is the referencing table in the plural, ``<plural>As<One>`` when the
        referencing table has several keys onto this one or references itself.  A name that a column or
        an earlier relation already has gets ``Ref`` (then a number).  ``relationName`` (the key's name)
        pairs the two sides wherever two tables are joined by more than one key or a table by itself."""
        if hasattr(self, "_relations"):
            return self._relations
        # the same for both Drizzle files of a model (engine-neutral but for the tables' variables): made once
        variables = tuple(self.names[("table", t.name)] for t in self.m.tables)
        hit = _SPECS.get(id(self.m))
        if hit is not None and hit[0] is self.m and hit[1] == variables:
            self._relations = hit[2]
            return hit[2]
        pairs: dict = {}
        keys = {t.name: sorted(t.foreign_keys, key=lambda f: f.name) for t in self.m.tables}   # by key name
        for t in self.m.tables:
            for fk in t.foreign_keys:
                key = frozenset((t.name, fk.ref_table))
                pairs[key] = pairs.get(key, 0) + 1
        used = {t.name: set(self._props(t).values()) for t in self.m.tables}
        out: dict[str, list[dict]] = {t.name: [] for t in self.m.tables}

        def claim(table: str, base: str) -> str:
            name = base if base not in used[table] else base + "Ref"
            n = 2
            while name in used[table]:
                name, n = f"{base}Ref{n}", n + 1
            used[table].add(name)
            return name

        ones = {}
        for t in self.m.tables:
            for fk in keys[t.name]:
                if fk.ref_table not in out:
                    continue
                own = [c for c, r in zip(fk.columns, fk.ref_columns) if c != r]
                if len(own) == 1 or len(fk.columns) == 1:
                    col, target = (own[0], fk.ref_columns[fk.columns.index(own[0])]) if len(own) == 1 \
                        else (fk.columns[0], fk.ref_columns[0])
                    for suffix in ("_" + target, "_id"):
                        if col.lower().endswith(suffix.lower()) and len(col) > len(suffix):
                            col = col[:-len(suffix)]
                            break
                    base = camel(col)
                else:
                    base = camel(singular(fk.ref_table))
                named = pairs[frozenset((t.name, fk.ref_table))] > 1 or fk.ref_table == t.name
                ones[(t.name, fk.name)] = (claim(t.name, base), named, base)
        for t in self.m.tables:
            var, props = self.names[("table", t.name)], self._props(t)
            for fk in keys[t.name]:
                if (t.name, fk.name) not in ones:
                    continue
                name, named, _ = ones[(t.name, fk.name)]
                parent = self.m.table(fk.ref_table)
                parent_var, parent_props = self.names[("table", parent.name)], self._props(parent)
                fields = ", ".join(member(var, props[c]) for c in fk.columns)
                refs = ", ".join(member(parent_var, parent_props[c]) for c in fk.ref_columns)
                rel = f", relationName: {js_string(fk.name)}" if named else ""
                out[t.name].append({"name": name, "kind": "one", "call": f"one({parent_var}, "
                                    f"{{ fields: [{fields}], references: [{refs}]{rel} }})", "order": (0, fk.name)})
        for t in self.m.tables:
            for fk in keys[t.name]:
                if (t.name, fk.name) not in ones:
                    continue
                _, named, one_base = ones[(t.name, fk.name)]
                several = sum(1 for f in t.foreign_keys if f.ref_table == fk.ref_table) > 1
                base = camel(plural(t.name))
                if several or fk.ref_table == t.name:
                    base += "As" + one_base[:1].upper() + one_base[1:]
                rel = f", {{ relationName: {js_string(fk.name)} }}" if named else ""
                out[fk.ref_table].append({"name": claim(fk.ref_table, base), "kind": "many",
                                          "call": f"many({self.names[('table', t.name)]}{rel})"})
        self._relations = out
        _SPECS.clear()
        _SPECS[id(self.m)] = (self.m, variables, out)   # (the model kept: its id stays its own)
        return out

    def team_relations(self) -> list[dict] | None:
        """The team's relations() as declared (None when its file declared none): exactly those, so that
        its queries' ``with:`` names stay; entries whose table or columns are gone are left out."""
        if not any(t.drizzle and t.drizzle.relations is not None for t in self.m.tables):
            return None
        out = []
        for t in self.m.tables:
            var = self.names[("table", t.name)]
            for export, rels in (t.drizzle.relations or ()) if t.drizzle else ():
                entries, kinds = [], set()
                for r in rels:
                    target = self.m.table(r.target)
                    if target is None or len(r.fields) != len(r.references) or any(
                            t.column(c) is None for c in r.fields) or any(target.column(c) is None for c in r.references):
                        continue   # warned by the loader
                    tv = self.names[("table", target.name)]
                    opts = []
                    if r.fields:
                        opts.append(f"fields: [{', '.join(member(var, self.prop(t, c)) for c in r.fields)}]")
                        opts.append(f"references: [{', '.join(member(tv, self.prop(target, c)) for c in r.references)}]")
                    if r.relation_name:
                        opts.append(f"relationName: {js_string(r.relation_name)}")
                    entries.append((r.name, f"{r.kind}({tv}{', { ' + ', '.join(opts) + ' }' if opts else ''})"))
                    kinds.add(r.kind)
                out.append({"var": self.names[("team relations", export)], "table": var,
                            "helpers": ", ".join(k for k in ("one", "many") if k in kinds) or "one",
                            "entries": entries})
        return out

    def relations(self) -> list[dict]:
        team = self.team_relations()
        if team is not None:
            return team
        specs = self.relation_specs()
        out = []
        for t in self.m.tables:
            rels = specs[t.name]
            if not rels:
                continue
            helpers = ", ".join(k for k in ("one", "many") if any(r["kind"] == k for r in rels))
            out.append({"var": self.names[("relations", t.name)], "table": self.names[("table", t.name)],
                        "helpers": helpers, "entries": [(r["name"], r["call"]) for r in rels]})
        return out


def _split_last(name: str) -> tuple[str, str]:
    head, sep, last = name.rpartition("_")
    return head + sep, last


def is_plural(word: str) -> bool:
    w = word.lower()
    return w.endswith("s") and not w.endswith(("ss", "us", "is"))


@functools.lru_cache(maxsize=65536)
def plural(name: str) -> str:
    """The table name's last word in the plural (as it is when it already reads as a plural)."""
    head, w = _split_last(name)
    if is_plural(w) or not w:
        return name
    if w.lower().endswith(("s", "x", "z", "ch", "sh")):
        return head + w + "es"
    if w.lower().endswith("y") and w[-2:-1].lower() not in "aeiou":
        return head + w[:-1] + "ies"
    return head + w + "s"


@functools.lru_cache(maxsize=65536)
def singular(name: str) -> str:
    """The table name's last word in the singular (as it is when it does not read as a plural)."""
    head, w = _split_last(name)
    if not is_plural(w) or len(w) < 3:
        return name
    lw = w.lower()
    if lw.endswith("ies") and len(w) > 3:
        return head + w[:-3] + "y"
    if lw.endswith(("sses", "xes", "zes", "ches", "shes")):
        return head + w[:-2]
    return head + w[:-1]


def _cyclic_tables(m: Manifest) -> set[str]:
    """Tables on a foreign-key cycle (strongly connected components of more than one table)."""
    graph = {t.name: sorted({fk.ref_table for fk in t.foreign_keys if fk.ref_table != t.name}) for t in m.tables}
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], set(), [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    component.append(x)
                    if x == node:
                        break
                if len(component) > 1:
                    out.update(component)
    return out
