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

    def surprise(self, path: Path) -> str | None:
        """'12:30:00 is read by YAML as the number 45000; quote it: "12:30:00"', where that happened."""
        hit = self.surprises.get(tuple(path))
        if hit is None:
            return None
        text, read = hit
        return f'{text} is read by YAML as {read}; quote it: "{text}"'

    def at(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Position of ``path``; falls back to the nearest enclosing node."""
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
