"""YAML loading that remembers where every key and value came from.

Returns plain Python data plus two maps from a *path* (tuple of keys and list
indexes) to a 1-based ``(line, col)``: one for values, one for mapping keys.
Duplicate keys, which PyYAML would silently overwrite, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Path = tuple


@dataclass
class Located:
    data: object
    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)  # [(line, col, message)]
    surprises: dict = field(default_factory=dict)  # path -> (text written, what YAML 1.1 read it as)
    # positions not read yet: read from this (or what this function returns) on first use
    text: object = field(default=None, repr=False)
    built: int = 0   # values the fast reading made (yamlsplit adds two halves' counts)

    def _positions(self) -> None:
        """The fast load keeps no positions; they are read (once) when a problem is to be located."""
        if self.text is not None:
            text, self.text = self.text, None
            full = _load_nodes(text() if callable(text) else text)
            self.values, self.keys = full.values, full.keys

    def surprise(self, path: Path) -> str | None:
        """'12:30:00 is read by YAML as the number 45000; quote it: "12:30:00"', where that happened."""
        hit = self.surprises.get(tuple(path))
        if hit is None:
            return None
        text, read = hit
        return f'{text} is read by YAML as {read}; quote it: "{text}"'

    def at(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Position of ``path``; falls back to the nearest enclosing node."""
        self._positions()
        table = self.keys if key else self.values
        p = tuple(path)
        if p in table:
            return _mark(table[p])
        while p:
            p = p[:-1]
            if p in self.values:
                return _mark(self.values[p])
        return (1, 1)


class YamlSyntaxError(Exception):
    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _mark(node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser when PyYAML has it, with a memoised resolver.

    Resolving a plain scalar's tag depends only on its text, so the result
    is cached; path resolvers (unused by the safe loader) are skipped.
    """

    _cache: dict = {}
    _CACHE_LIMIT = 50_000

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._cache.get(key)
        if tag is None:
            if len(self._cache) > self._CACHE_LIMIT:
                self._cache.clear()
            tag = self._cache[key] = super().resolve(kind, value, implicit)
        return tag


def load(text: str) -> Located:
    """The document's data, its problems and YAML 1.1 surprises; positions are read when first asked for."""
    fast = None
    if len(text) >= SPLIT_FROM:   # a large manifest: read in two processes where that reads it exactly
        from .yamlsplit import load as load_split
        fast = load_split(text)
    if fast is None:
        fast = _load_fast(text)
    return fast if fast is not None else _load_nodes(text)


SPLIT_FROM = 200_000   # characters: from this size on, yamlsplit reads in two processes (below, a fork costs more)


def fast_reading(text: str) -> Located | None:
    """The fast reading of ``text`` (data and surprises, positions left for later), or None where only the
    node reading reads it exactly."""
    return _load_fast(text)


def _load_nodes(text: str) -> Located:
    """Through PyYAML's node graph, every position kept: the reference reading, used for anything
    the fast reading leaves to it (aliases, tags, problems, syntax errors) and for positions."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:    # a character YAML does not allow (NUL, other controls)
        raise YamlSyntaxError(*_position(text, exc.position), f"invalid YAML: {_reader_problem(exc)}") from None
    try:
        root = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise YamlSyntaxError(*_position(text, exc.position), f"invalid YAML: {_reader_problem(exc)}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "cannot read"
        if exc.context and exc.problem and exc.problem.startswith("but "):
            problem = f"{exc.context}, {problem}"
        if "maximum nesting depth" in problem:   # libyaml's own limit (newer builds): said as schemactl's
            problem = _too_deep(mark).message.removeprefix("invalid YAML: ") if mark else problem
        if "cannot start any token" in problem and mark and loader_text_char(text, mark) == "\t":
            problem = "found a tab character that cannot start any token; indent with spaces"
        raise YamlSyntaxError(line, col, f"invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    out = Located(None)
    if root is None:
        out.data = None
        return out
    out.data = _build(root, (), out, loader, _Guard())
    return out


# A manifest is a few thousand values; aliases can make a 1 KB file expand to billions ("billion laughs").
MAX_VALUES = 1_000_000
# ... and a handful of levels deep (a JSON default a few more): reading a deeper one would exhaust the stack
MAX_DEPTH = 64


def _too_deep(mark) -> YamlSyntaxError:
    return YamlSyntaxError(mark.line + 1, mark.column + 1, f"invalid YAML: nested more than {MAX_DEPTH} levels "
                                                           "deep; a manifest needs a handful: flatten it")


class _Guard:
    """Bounds what aliases may expand to, and finds an alias that contains itself."""

    def __init__(self):
        self.built = 0
        self.open: set[int] = set()      # collection nodes being built (a cycle comes back to one)


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, col) of a character offset."""
    before = text[:max(index, 0)]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _reader_problem(exc) -> str:
    char = exc.character
    code = ord(char) if isinstance(char, str) else char
    return (f"character U+{code:04X} is not allowed in YAML (a control character); remove it"
            if isinstance(code, int) else "the text is not valid YAML input")


def loader_text_char(text: str, mark) -> str:
    return text[mark.index] if 0 <= mark.index < len(text) else ""


_STANDARD = "tag:yaml.org,2002:"
_SURPRISES = {"bool": "a boolean", "int": "the number", "float": "the number"}


def _plain_decimal(text: str, value) -> bool:
    """``1.0e+39`` read as 1e+39 is no surprise: the same number, written another way."""
    try:
        return "_" not in text and ":" not in text and float(text) == value
    except ValueError:
        return False


def _build(node, path: Path, out: Located, loader, guard: _Guard):
    if len(path) > MAX_DEPTH:
        raise _too_deep(node.start_mark)
    guard.built += 1
    if guard.built > MAX_VALUES:
        raise YamlSyntaxError(*_mark(node), f"invalid YAML: the document expands to more than {MAX_VALUES:,} values "
                                            "(aliases repeating aliases?); write the values out")
    if id(node) in guard.open:
        raise YamlSyntaxError(*_mark(node), "invalid YAML: an alias refers to the collection that contains it")
    out.values[path] = node  # positions are read from nodes only when reported
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        guard.open.add(id(node))
        try:
            return _build_collection(node, path, out, loader, guard)
        finally:
            guard.open.discard(id(node))
    return _build_scalar(node, path, out, loader)


def _build_collection(node, path: Path, out: Located, loader, guard: _Guard):
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for knode, vnode in node.value:
            if knode.tag == _STANDARD + "merge":
                out.problems.append((*_mark(knode), "YAML merge keys (<<) are not supported; write the keys out"))
                continue
            if not isinstance(knode, yaml.ScalarNode) or not knode.tag.startswith(_STANDARD):
                out.problems.append((*_mark(knode), "mapping keys must be plain names"))
                continue
            key = knode.value  # names are text, whatever YAML 1.1 would read them as (on, 2024-01-01, 1)
            if key in result:
                out.problems.append((*_mark(knode), f'duplicate key "{key}"'))
                continue
            out.keys[path + (key,)] = knode
            result[key] = _build(vnode, path + (key,), out, loader, guard)
        return result
    return [_build(item, path + (i,), out, loader, guard) for i, item in enumerate(node.value)]


def _build_scalar(node, path: Path, out: Located, loader):
    if node.tag in (_STR, _TIMESTAMP):  # dates stay text: the type registry reads them, not YAML
        return node.value
    try:
        value = loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        out.problems.append((*_mark(node), f"cannot read value: {exc.problem}"))
        return None
    except (ValueError, KeyError, TypeError):
        short = "!!" + node.tag.rsplit(":", 1)[-1]
        out.problems.append((*_mark(node), f'cannot read value: "{node.value}" is not a valid {short}'))
        return None
    kind = node.tag.rsplit(":", 1)[-1]
    if isinstance(node, yaml.ScalarNode) and kind in _SURPRISES and not node.style \
            and node.value not in (str(value), "true", "false", "True", "False", "null", "~") \
            and not (kind == "float" and _plain_decimal(node.value, value)):
        out.surprises[path] = (node.value, f"{_SURPRISES[kind]}{'' if kind == 'bool' else ' ' + str(value)}")
    return value


# -- the fast reading: straight from the parser's events, for the common document.

_MAP_START, _SEQ_START = yaml.MappingStartEvent, yaml.SequenceStartEvent
_MAP_END, _SEQ_END = yaml.MappingEndEvent, yaml.SequenceEndEvent
_SCALAR = yaml.ScalarEvent
_NO_KEY = object()
_IMMUTABLE = {_STANDARD + k for k in ("bool", "int", "float", "null")}


def _load_fast(text: str) -> Located | None:
    """What ``_load_nodes`` gives (data and surprises, positions left for later) for a document without
    anchors, aliases, explicit tags, merge keys, duplicate keys, values that do not construct or more
    than MAX_VALUES values; None for any other (then the node reading reports it exactly)."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError:
        return None
    try:
        return _fast_events(loader, text)
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _fast_events(loader, text: str) -> Located | None:
    get = loader.get_event
    resolve, construct = loader.resolve, loader.construct_object
    scalar_node = yaml.ScalarNode
    out = Located(None, text=text)
    get()                                        # stream start
    event = get()
    if isinstance(event, yaml.StreamEndEvent):
        return out
    # The collection being filled is held in locals (its container, its path, whether it is a mapping and
    # the key read for its next value: _NO_KEY until one is); ``outer`` keeps those of the collections
    # around it, innermost last (none open: container None).
    outer: list = []
    container, path, mapping, key = None, (), False, _NO_KEY
    root = _NO_KEY
    built = 0
    constructed: dict = {}
    tags: dict = {}
    while True:
        event = get()
        kind = event.__class__
        if kind is _MAP_END or kind is _SEQ_END:
            container, path, mapping, key = outer.pop()
            if container is None:
                break
            continue
        if kind is not _SCALAR and kind is not _MAP_START and kind is not _SEQ_START:
            return None                          # an alias (or anything unforeseen)
        if event.anchor is not None or event.tag is not None:
            return None
        if mapping and key is _NO_KEY:
            if kind is not _SCALAR:
                return None                      # a collection as a key
            key = event.value
            if key in container or (key == "<<" and event.implicit[0]):     # a duplicate, a merge key
                return None
            continue
        built += 1
        if built > MAX_VALUES:
            return None
        if kind is _SCALAR:
            value = event.value
            if event.implicit[0]:                # plain: its text decides its type
                tag = tags.get(value)
                if tag is None:
                    tag = tags[value] = resolve(scalar_node, value, event.implicit)
                if tag != _STR and tag != _TIMESTAMP:
                    value = _constructed(event, tag, value, constructed, construct, out,
                                         path + (key if mapping else len(container),) if container is not None
                                         else ())
                    if value is _NO_KEY:
                        return None
            if mapping:
                container[key] = value
                key = _NO_KEY
            elif container is not None:
                container.append(value)
            else:
                root = value
                break
            continue
        new = {} if kind is _MAP_START else []
        if mapping:
            inner = path + (key,)
            container[key] = new
            key = _NO_KEY
        elif container is not None:
            inner = path + (len(container),)
            container.append(new)
        else:
            inner = ()
            root = new
        if len(outer) >= MAX_DEPTH:
            raise _too_deep(event.start_mark)
        outer.append((container, path, mapping, key))
        container, path, mapping, key = new, inner, kind is _MAP_START, _NO_KEY
    if not isinstance(get(), yaml.DocumentEndEvent) or not isinstance(get(), yaml.StreamEndEvent):
        return None                              # a second document: the node reading says so
    out.data = root
    out.built = built
    return out


def _constructed(event, tag: str, text: str, constructed: dict, construct, out: Located, path: Path):
    """The value of a plain scalar YAML 1.1 reads as no text (a number, a boolean, null), its surprise noted
    at ``path``; _NO_KEY where it does not construct (the node reading then reports it)."""
    hit = constructed.get((tag, text), _NO_KEY)
    if hit is _NO_KEY:
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
        try:
            hit = construct(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError, KeyError, TypeError):
            return _NO_KEY
        if tag in _IMMUTABLE:
            constructed[(tag, text)] = hit
    kind_name = tag.rsplit(":", 1)[-1]
    if kind_name in _SURPRISES and not event.style \
            and text not in (str(hit), "true", "false", "True", "False", "null", "~") \
            and not (kind_name == "float" and _plain_decimal(text, hit)):
        out.surprises[path] = (text, f"{_SURPRISES[kind_name]}{'' if kind_name == 'bool' else ' ' + str(hit)}")
    return hit
