"""The engine-neutral catalog: where rendering and introspection meet.

``expect(model, engine)`` (schemactl.expect) says what an engine must show,
``introspect(conn, engine)`` (schemactl.introspect) says what it does show, and
``diff`` compares the two.  Values held here are already normalised
(schemactl.normalize), so comparing is plain equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field



@dataclass(frozen=True)
class CColumn:
    """A column as an engine shows it (or must show it)."""

    name: str
    type: str                      # normalised engine type spelling
    nullable: bool
    default: str | None            # normalised default expression
    identity: bool = False
    shown_default: str | None = field(default=None, compare=False)   # as the engine spells it
    kind: str | None = field(default=None, compare=False)            # literal kind, for typed defaults
    generated: object = None       # normalised expression of a generated column
    stored: bool | None = None     # generated columns: stored (True) or virtual (False)
    shown_generated: str | None = field(default=None, compare=False)
    shown_collation: str | None = field(default=None, compare=False)   # SQLite: a COLLATE other than BINARY
    comment: str | None = None     # PostgreSQL: COMMENT ON COLUMN (SQLite keeps none)
    json_text: bool = field(default=False, compare=False)   # the manifest says json (not jsonb): text as written


@dataclass(frozen=True)
class CKey:
    """Primary key or unique constraint."""

    name: str | None               # None where the engine keeps no name (SQLite inline UNIQUE)
    columns: tuple[str, ...]


@dataclass(frozen=True)
class CForeignKey:
    """A foreign key as an engine shows it."""

    name: str | None
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "no action"
    on_update: str = "no action"
    deferrable: str | None = None  # "deferred" | "immediate" (as the engine keeps it) | None

    @property
    def shape(self):
        return (self.columns, self.ref_table, self.ref_columns)


@dataclass(frozen=True)
class CCheck:
    """A CHECK constraint as an engine shows it."""

    name: str | None
    expr: str                      # normalised
    shown: str = field(default="", compare=False)


@dataclass(frozen=True)
class CIndex:
    """An index as an engine shows it."""

    name: str
    columns: tuple[tuple[object, bool], ...]  # (column name, or ("expr", normalised key), descending)
    unique: bool = False
    where: str | None = None                  # normalised predicate
    shown_where: str | None = field(default=None, compare=False)
    method: str = "btree"
    nulls: tuple = ()                         # per key: "first" | "last" | None; () when all are the default
    opclasses: tuple = ()                     # per key: non-default operator class or None; () when none
    shown_columns: tuple = field(default=(), compare=False)   # keys as the engine spells them

    def shown(self) -> str:
        keys = self.shown_columns or tuple(c for c, _ in self.columns)
        parts = []
        for i, ((_, desc), key) in enumerate(zip(self.columns, keys)):
            part = str(key)
            if self.opclasses and self.opclasses[i]:
                part += f" {self.opclasses[i]}"
            part += " DESC" if desc else ""
            if self.nulls and self.nulls[i]:
                part += f" NULLS {self.nulls[i].upper()}"
            parts.append(part)
        using = f"USING {self.method} " if self.method != "btree" else ""
        return f"{using}({', '.join(parts)})"


def index_element(expression_key) -> tuple:
    """The catalog key of an expression element of an index."""
    return ("expr", expression_key)


def sparse(values) -> tuple:
    """Per-key values, or () when every one is None (so a plain index compares equal to one read back)."""
    values = tuple(values)
    return values if any(v is not None for v in values) else ()


@dataclass(frozen=True)
class CTable:
    """A table as an engine shows it."""

    name: str
    columns: tuple[CColumn, ...]
    primary_key: CKey | None = None
    uniques: tuple[CKey, ...] = ()
    foreign_keys: tuple[CForeignKey, ...] = ()
    checks: tuple[CCheck, ...] = ()
    indexes: tuple[CIndex, ...] = ()
    options: tuple[str, ...] = ()             # e.g. ("strict", "without_rowid") on SQLite
    row_security: tuple[str, ...] = ()        # PostgreSQL: ("enabled",) or ("enabled", "forced"); () when off
    comment: str | None = None                # PostgreSQL: COMMENT ON TABLE (SQLite keeps none)


@dataclass(frozen=True)
class CView:
    """A view as an engine shows it."""

    name: str
    columns: tuple[str, ...] | None          # None: not known (the manifest's SELECT uses *)
    definition: str                          # normalised SELECT
    shown: str = field(default="", compare=False)
    column_list: bool = field(default=False, compare=False)   # SQLite: CREATE VIEW v (x, y) AS …, names not in shown
    comment: str | None = None               # PostgreSQL: COMMENT ON VIEW (SQLite keeps none)


@dataclass(frozen=True)
class CSearch:
    """A full-text search as an engine shows it."""

    name: str
    table: str
    key: str                                 # normalised: tsvector expression, or FTS5 columns + sync triggers
    shown: str = field(default="", compare=False)
    where: str | None = None                 # PostgreSQL: the normalised WHERE of a partial GIN index
    shown_where: str | None = field(default=None, compare=False)
    options: tuple[str, ...] = ()            # SQLite: the FTS5 table's options but content ("name=value", sorted)
    sync: tuple[tuple[str, str], ...] = ()   # SQLite: (name, normalised definition) of each sync trigger there is
    shown_sync: tuple[tuple[str, str], ...] = field(default=(), compare=False)   # (name, CREATE TRIGGER …)


@dataclass(frozen=True)
class CTrigger:
    """A trigger as an engine shows it."""

    name: str
    table: str
    timing: str                              # before | after
    event: str                               # insert | update | delete
    body: str                                # normalised statements ("" where a declared function runs)
    shown: str = field(default="", compare=False)
    function: str | None = None              # PostgreSQL: the function a trigger runs (not schemactl's own)
    when: str | None = None                  # normalised WHEN condition
    each: str = "row"                        # row | statement
    shown_when: str | None = field(default=None, compare=False)
    # PostgreSQL, schemactl's own <trigger>_fn: what it returns (normalised) and its SECURITY DEFINER / SET
    # clauses (pgfunction.settings_key)
    returns: str | None = None
    shown_returns: str | None = field(default=None, compare=False)
    settings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CFunction:
    """A PostgreSQL function as the server shows it."""

    name: str
    key: str                                 # language and whitespace-normalised body
    shown: str = field(default="", compare=False)
    settings: tuple[str, ...] = ()           # SECURITY DEFINER and SET clauses (pgfunction.settings_key)


@dataclass(frozen=True)
class CSequence:
    """A PostgreSQL sequence as the server shows it."""

    name: str
    type: str                                # smallint | integer | bigint
    start: int
    increment: int
    min_value: int
    max_value: int
    cycle: bool
    owned_by: str | None                     # "table.column"

    def shown(self) -> str:
        return (f"{self.type} start {self.start} increment {self.increment} min {self.min_value} "
                f"max {self.max_value}{' cycle' if self.cycle else ''}"
                + (f" owned by {self.owned_by}" if self.owned_by else ""))


@dataclass(frozen=True)
class CPolicy:
    """A PostgreSQL row-level security policy as the server shows it."""

    name: str
    table: str
    command: str                             # all | select | insert | update | delete
    roles: tuple[str, ...]                   # sorted
    permissive: bool
    using: str | None                        # normalised
    check: str | None
    shown_using: str | None = field(default=None, compare=False)
    shown_check: str | None = field(default=None, compare=False)

    def shown(self) -> str:
        out = (f"{'permissive' if self.permissive else 'restrictive'} for {self.command} "
               f"to {', '.join(self.roles)}")
        if self.shown_using:
            out += f" using ({self.shown_using})"
        if self.shown_check:
            out += f" with check ({self.shown_check})"
        return out


@dataclass(frozen=True)
class Catalog:
    """One engine's schema: what the manifest implies (expect) or what the database holds (introspect)."""

    engine: str
    tables: tuple[CTable, ...]
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()   # PostgreSQL enum types
    views: tuple[CView, ...] = ()
    searches: tuple[CSearch, ...] = ()
    triggers: tuple[CTrigger, ...] = ()
    functions: tuple[CFunction, ...] = ()
    sequences: tuple[CSequence, ...] = ()
    policies: tuple[CPolicy, ...] = ()
    # What the database holds that no manifest declares, (table, kind, name, why) (introspect only): PostgreSQL's
    # BEYOND_MODEL_SQL; SQLite's BEYOND_MODEL
    beyond: tuple[tuple[str, str, str, str], ...] = ()

    def table_map(self) -> dict[str, CTable]:
        return {t.name: t for t in self.tables}

