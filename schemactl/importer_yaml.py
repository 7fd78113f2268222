"""The imported manifest's YAML, fast: the same text as ``yaml.safe_dump(doc, sort_keys=False,
default_flow_style=None, allow_unicode=True, width=...)``, byte for byte.

PyYAML's pure-Python dumper builds a node graph, then an event stream, then runs its emitter's state
machine event by event: most of an import of a large schema went there.  libyaml (CSafeDumper) wraps
lines differently.  This dumper walks the document (dicts, lists, strings, numbers, booleans, None) and
drives PyYAML's own Emitter directly: its own writers (indicators, indentation, plain and quoted scalars
with their line folding), its own scalar analysis and style choice (cached per distinct value), and the
layout rules of its state machine for block and flow collections.  Anything else (another type, an object
that appears twice and would become an anchor, a key that is not a simple key) is dumped by
``yaml.safe_dump`` itself, so the text never differs.
"""

from __future__ import annotations

import re

import yaml
from yaml.emitter import Emitter, ScalarAnalysis
from yaml.events import ScalarEvent
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

_STR = "tag:yaml.org,2002:str"
_TAGS = {bool: "tag:yaml.org,2002:bool", int: "tag:yaml.org,2002:int", float: "tag:yaml.org,2002:float",
         type(None): "tag:yaml.org,2002:null"}
_SHORT = {_STR: 5, **{t: len("!!" + t.rsplit(":", 1)[1]) for t in _TAGS.values()}}   # '!!str' and the like


class _Fallback(Exception):
    """The document has something this dumper does not write itself."""


class _Sink:
    __slots__ = ("parts", "write")

    def __init__(self):
        self.parts: list[str] = []
        self.write = self.parts.append


class _Dumper(Emitter):
    def __init__(self, width: int):
        self.sink = _Sink()
        super().__init__(self.sink, width=width, allow_unicode=True)
        self.resolver = Resolver()
        self.scalars: dict = {}     # (tag, value) -> (analysis, implicit)
        self.styles: dict = {}      # (tag, value, flow, simple key) -> style
        self.seen: set[int] = set()
        self.fast: dict = {}        # (type, value, flow, simple key) -> (text as written, may fold) or None
        self.flows: dict = {}       # a flow collection of scalars and where it starts -> what writing it did
        self._append = self.sink.parts.append

    # -- PyYAML's writers of indicators, indentation and line breaks, for text without an encoding (this
    # dumper's): the same writes, without the encoding's branch and the stream's look-up (a manifest's dump
    # calls them some 300,000 times)
    def write_indicator(self, indicator, need_whitespace, whitespace=False, indention=False):
        data = indicator if self.whitespace or not need_whitespace else " " + indicator
        self.whitespace = whitespace
        self.indention = self.indention and indention
        self.column += len(data)
        self.open_ended = False
        self._append(data)

    def write_indent(self):
        indent = self.indent or 0
        column = self.column
        if not self.indention or column > indent or (column == indent and not self.whitespace):
            self.whitespace = self.indention = True
            self.line += 1
            column = 0
            self._append(self.best_line_break)
        if column < indent:
            self.whitespace = True
            self._append(" " * (indent - column))
            column = indent
        self.column = column

    def write_line_break(self, data=None):
        self.whitespace = self.indention = True
        self.line += 1
        self.column = 0
        self._append(self.best_line_break if data is None else data)

    # -- scalars: what the representer and serializer would make of a value
    def _scalar(self, value):
        t = type(value)
        if t is str:
            tag, text = _STR, value
        elif t is bool:
            tag, text = _TAGS[bool], "true" if value else "false"
        elif t is int:
            tag, text = _TAGS[int], str(value)
        elif value is None:
            tag, text = _TAGS[type(None)], "null"
        elif t is float:
            tag, text = _TAGS[float], yaml.SafeDumper.represent_float(yaml.SafeDumper(None), value).value
        else:
            raise _Fallback
        key = (tag, text)
        got = self.scalars.get(key)
        if got is None:
            implicit = (tag == self.resolver.resolve(ScalarNode, text, (True, False)),
                        tag == self.resolver.resolve(ScalarNode, text, (False, True)))
            analysis = _word_analysis(text) if _WORD.fullmatch(text) else self.analyze_scalar(text)
            got = self.scalars[key] = (analysis, implicit, tag, text)
        return got

    def _style(self, got, flow: bool, simple_key: bool) -> str:
        analysis, implicit, tag, text = got
        key = (tag, text, flow, simple_key)
        style = self.styles.get(key)
        if style is None:
            self.event = ScalarEvent(None, tag, implicit, text)
            self.flow_level, self.simple_key_context, self.analysis = int(flow), simple_key, analysis
            style = self.choose_scalar_style()
            self.event = self.analysis = None
            if not ((style == "" and implicit[0]) or (style != "" and implicit[1])):
                raise _Fallback   # PyYAML would write a tag
            self.styles[key] = style
        return style

    def _simple_key(self, got) -> bool:
        analysis, _, tag, _ = got
        return len(analysis.scalar) + _SHORT[tag] < 128 and not analysis.empty and not analysis.multiline

    def _fast_text(self, value, flow: bool, simple_key: bool):
        """How a scalar is written where it is written whole on the line (plain, or single-quoted without
        quotes or breaks inside), and whether folding could apply (a space in it, outside a key); or None."""
        got = self._scalar(value)
        if simple_key and not self._simple_key(got):
            return None
        style = self._style(got, flow, simple_key)
        text = got[0].scalar
        if style == "" and text:
            return text, " " in text and not simple_key
        if style == "'" and "'" not in text and not any(c in text for c in "\n\x85\u2028\u2029"):
            return "'" + text + "'", not simple_key
        return None

    def _put(self, value, flow: int, simple_key: bool) -> bool:
        """Write a scalar the quick way when its text is known whole: True when written."""
        t = type(value)
        if t is float:
            return False
        key = (t, value, flow > 0, simple_key)
        found = self.fast.get(key, False)
        if found is False:
            found = self.fast[key] = self._fast_text(value, flow > 0, simple_key)
        if found is None:
            return False
        text, folds = found
        data = text if self.whitespace else " " + text
        if folds and self.column + len(data) > self.best_width:
            return False
        self.sink.parts.append(data)
        self.column += len(data)
        self.whitespace = self.indention = False
        return True

    def _write_scalar(self, got, flow: int, simple_key: bool) -> None:
        style = self._style(got, bool(flow), simple_key)
        text = got[0].scalar
        self.indents.append(self.indent)     # expect_scalar: increase_indent(flow=True)
        self.indent = self.best_indent if self.indent is None else self.indent + self.best_indent
        self.flow_level, self.simple_key_context, self.root_context = flow, simple_key, False
        split = not simple_key
        if style == "":
            lead = 0 if self.whitespace else 1
            if " " not in text or self.column + lead + len(text) <= self.best_width:
                # write_plain: nothing to fold (no space, or none reached past the width)
                if text:
                    data = " " + text if lead else text
                    self.sink.parts.append(data)
                    self.column += len(data)
                    self.whitespace = self.indention = False
            else:
                self.write_plain(text, split)
        elif style == "'":
            if "'" not in text and self.column + len(text) + 3 <= self.best_width and \
                    not any(c in text for c in "\n\x85\u2028\u2029"):
                self.write_indicator("'" + text + "'", True)
            else:
                self.write_single_quoted(text, split)
        elif style == '"':
            self.write_double_quoted(text, split)
        else:
            raise _Fallback
        self.indent = self.indents.pop()

    # -- collections, as the emitter's state machine lays them out
    def _node(self, value, flow: int, mapping: bool = False) -> None:
        t = type(value)
        if t is dict or t is list:
            if id(value) in self.seen:
                raise _Fallback   # PyYAML would write an anchor and an alias
            self.seen.add(id(value))
            if t is dict:
                block = not flow and value and not (_SCALAR_TYPES.issuperset(map(type, value)) and
                                                    _SCALAR_TYPES.issuperset(map(type, value.values())))
                (self._block_mapping if block else self._flow_mapping)(value, flow)
            else:
                block = not flow and value and not _SCALAR_TYPES.issuperset(map(type, value))
                if block:
                    self._block_sequence(value, indentless=mapping and not self.indention)
                else:
                    self._flow_sequence(value, flow)
        elif not self._put(value, flow, False):
            self._write_scalar(self._scalar(value), flow, False)

    def _key(self, key, flow: int) -> None:
        if self._put(key, flow, True):   # (then write_indicator(":", False), as it writes it)
            self._append(":")
            self.column += 1
            self.whitespace = self.indention = self.open_ended = False
            return
        got = self._scalar(key)
        if not self._simple_key(got):
            raise _Fallback   # a '? key' entry
        self._write_scalar(got, flow, True)
        self.write_indicator(":", False)

    def _block_mapping(self, value: dict, flow: int) -> None:
        self.indents.append(self.indent)
        self.indent = 0 if self.indent is None else self.indent + self.best_indent
        for k, v in value.items():
            self.write_indent()
            self._key(k, flow)
            self._node(v, flow, mapping=True)
        self.indent = self.indents.pop()

    def _block_sequence(self, value: list, indentless: bool) -> None:
        self.indents.append(self.indent)
        if self.indent is None:
            self.indent = 0
        elif not indentless:
            self.indent += self.best_indent
        for v in value:
            self.write_indent()
            self.write_indicator("-", True, indention=True)
            self._node(v, 0)
        self.indent = self.indents.pop()

    def _flow_open(self, indicator: str) -> None:
        self.write_indicator(indicator, True, whitespace=True)
        self.indents.append(self.indent)
        self.indent = self.best_indent if self.indent is None else self.indent + self.best_indent

    # -- a flow collection of scalars (a column's {type: text, nullable: false}, an index's [a, b]) that fits on
    # its line is written the same way wherever on the line it starts, in the same state (indentation, pending
    # whitespace, ...): every choice of the emitter's that looks at the column (fold, wrap, a scalar's style)
    # asks whether the text reaches past the width, and none does.  So the first such writing is recorded, and
    # the same collection in the same state, where it fits again, is that writing replayed.
    def _flow_key(self, kind: str, value, flow: int):
        """The key of writing a mapping ("{") or sequence ("[") ``value`` from here, or None where it holds
        something other than a scalar, or a float (-0.0 equals 0.0).  Each key and value goes with its type
        (True equals 1)."""
        if kind == "{":
            items, types = tuple(value.items()), (*map(type, value), *map(type, value.values()))
        else:
            items, types = tuple(value), tuple(map(type, value))
        if float in types or not _PLAIN_TYPES.issuperset(types):
            return None
        return (kind, flow, self.indent, self.whitespace, self.indention, self.open_ended, self.flow_level,
                self.simple_key_context, self.root_context, items, types)   # (the state _recorded keeps, and more)

    def _replayed(self, key) -> bool:
        got = self.flows.get(key)
        if got is None or self.column + got[1] > self.best_width:
            return False
        parts, width, after = got
        self.sink.parts.extend(parts)
        self.column += width
        (self.whitespace, self.indention, self.open_ended, self.flow_level, self.simple_key_context,
         self.root_context) = after
        return True

    def _recorded(self, key, start: int, line: int, column: int) -> None:
        """Records the writing since ``start`` where it stayed on its line, within the width."""
        if self.line == line and self.column <= self.best_width:
            self.flows[key] = (self.sink.parts[start:], self.column - column,
                               (self.whitespace, self.indention, self.open_ended, self.flow_level,
                                self.simple_key_context, self.root_context))

    def _flow_mapping(self, value: dict, flow: int) -> None:
        self._flow("{", value, flow, self._flow_mapping_written)

    def _flow_sequence(self, value: list, flow: int) -> None:
        self._flow("[", value, flow, self._flow_sequence_written)

    def _flow(self, kind: str, value, flow: int, write) -> None:
        key = self._flow_key(kind, value, flow)
        if key is not None and self._replayed(key):
            return
        start, line, column = len(self.sink.parts), self.line, self.column
        write(value, flow)
        if key is not None:
            self._recorded(key, start, line, column)

    def _flow_mapping_written(self, value: dict, flow: int) -> None:
        self._flow_open("{")
        first = True
        for k, v in value.items():
            if not first:
                self.write_indicator(",", False)
            first = False
            if self.column > self.best_width:
                self.write_indent()
            self._key(k, flow + 1)
            self._node(v, flow + 1, mapping=True)
        self.indent = self.indents.pop()
        self.write_indicator("}", False)

    def _flow_sequence_written(self, value: list, flow: int) -> None:
        self._flow_open("[")
        first = True
        for v in value:
            if not first:
                self.write_indicator(",", False)
            first = False
            if self.column > self.best_width:
                self.write_indent()
            self._node(v, flow + 1)
        self.indent = self.indents.pop()
        self.write_indicator("]", False)

    def dump(self, doc) -> str:
        self.root_context = True
        if type(doc) is not dict or not doc:
            raise _Fallback
        self._node(doc, 0)
        self.indent = None
        self.write_indent()   # the document's end
        return "".join(self.sink.parts)


# A word of ASCII letters, digits and underscores, not starting with a digit (a table or column name, a type):
# nothing in it is an indicator, a space, a break or a special character, so PyYAML's analysis of it allows
# every style (test_importer_yaml holds the two to each other).  Most scalars of a manifest are such words.
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _word_analysis(text: str) -> ScalarAnalysis:
    return ScalarAnalysis(scalar=text, empty=False, multiline=False, allow_flow_plain=True, allow_block_plain=True,
                          allow_single_quoted=True, allow_double_quoted=True, allow_block=True)


_SCALARS = (str, int, bool, float, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)
_PLAIN_TYPES = _SCALAR_TYPES - {float}     # what a recorded flow collection holds (see _flow_key)


def dump(doc, width: int = 110) -> str:
    """``yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, allow_unicode=True, width=width)``."""
    try:
        return _Dumper(width).dump(doc)
    except _Fallback:
        return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, allow_unicode=True, width=width)
