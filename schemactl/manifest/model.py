"""The frozen model a manifest is loaded into.  Everything downstream is a pure
function of it.  ``path`` fields locate an object in the manifest for messages
and never take part in equality."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ..engines import ENGINES  # noqa: F401 - the model's users import it from here too
from ..types import TypeRef


@dataclass(frozen=True)
class Expr:
    """A parsed SQL expression, rendered per engine by sqlglot (never pasted)."""

    sql: tuple[tuple[str, str], ...]        # ((engine, rendered sql), ...)
    columns: tuple[str, ...] = ()           # column names it references
    portable: bool = field(default=False, compare=False)   # the manifest's one text for both engines
    # a portable text's a / b as written ("n / 2"): sqlglot's portable reading divides as floats (validate warns
    # where both sides are integers); not part of the schema
    divisions: tuple[str, ...] = field(default=(), compare=False)

    def on(self, engine: str) -> str | None:
        """The SQL for ``engine``, or None where the expression is absent on it."""
        for e, sql in reversed(self.sql):   # (as dict(self.sql) reads it, without building the dict each call)
            if e == engine:
                return sql
        return None


@dataclass(frozen=True)
class Default:
    """A column default: a literal, a portable function, a sequence or an expression."""

    kind: str                               # "literal" | "fn" | "sql"
    value: object = None                    # literal value or fn name
    expr: Expr | None = None                # for kind == "sql"


@dataclass(frozen=True)
class Generated:
    """A generated column's expression; ``stored`` (else virtual: computed when read; PostgreSQL before 18
    has only stored generated columns, so it stores a virtual one too)."""

    expr: Expr
    stored: bool = False


@dataclass(frozen=True)
class DrizzleImport:
    """A name that Drizzle code of the manifest (a $defaultFn, a $type, a customType) imports."""

    module: str
    name: str                               # "default", "*" or the exported name
    local: str
    type_only: bool = False


@dataclass(frozen=True)
class DrizzleColumn:
    """How a team's Drizzle file declares a column (``drizzle:``): TypeScript only, never DDL nor hash."""

    key: str | None = None                  # property key in the table object
    mode: str | None = None                 # builder mode (date, string, boolean, timestamp, json, ...)
    enum: tuple[str, ...] = ()              # text/varchar { enum }
    type: str | None = None                 # $type<...>() text
    default_fn: str | None = None           # $defaultFn(...) as written
    on_update: str | None = None            # $onUpdate(...) as written
    custom: str | None = None               # customType builder (Manifest.drizzle.custom_types)
    config: str | None = None               # the custom builder's options as written
    imports: tuple[DrizzleImport, ...] = ()
    identity: str | None = None             # pg-core identity: always | by_default (the manifest's is by default)
    identity_options: str | None = None     # its sequence options object, as drizzle-kit reads it
    default_now: bool | None = None         # pg-core defaultNow() (true) or another spelling of now (false)
    default_sql: str | None = None          # the team's sql`...` default as written (the manifest respells it)


@dataclass(frozen=True)
class DrizzleRelation:
    """One relation of a team's relations() block, as declared."""

    name: str
    kind: str                               # one | many
    target: str                             # table name
    fields: tuple[str, ...] = ()            # one: columns of this table
    references: tuple[str, ...] = ()        # one: columns of the target
    relation_name: str | None = None


@dataclass(frozen=True)
class DrizzleTable:
    """How a team's Drizzle file declares a table (``drizzle:``): export name, creator, relations."""

    export: str | None = None               # export name
    creator: str | None = None              # pgTableCreator / sqliteTableCreator export name
    relations: tuple[tuple[str, tuple[DrizzleRelation, ...]], ...] | None = None   # (export, relations) as declared
    checks: tuple[tuple[str, str], ...] = ()  # (check name, the team's sql`...` text, its columns as ${sql name}), in the team's order
    index_where: tuple[tuple[str, str], ...] = ()   # (index name, the team's .where(sql`...`) text, as checks)
    index_exprs: tuple[tuple[str, tuple[str | None, ...]], ...] = ()   # (index name, the team's text of each key
    #                                       written sql`...` (None for a column), as checks)
    index_order: tuple[str, ...] = ()       # index names in the team's order (drizzle-kit's), when not name order


@dataclass(frozen=True)
class DrizzleFile:
    """What a team's Drizzle file declares beside its tables (the manifest's top-level ``drizzle:``)."""

    core: str | None = None                 # postgres | sqlite: the dialect of the team's file
    creators: tuple[tuple[str, str, str], ...] = ()                  # (export, prefix, suffix)
    custom_types: tuple[tuple[str, str, tuple[DrizzleImport, ...]], ...] = ()   # (name, declaration, imports)
    enums: tuple[tuple[str, str], ...] = ()  # (enum name, export name)
    schema: str | None = None               # pgSchema export name
    types: tuple[tuple[str, str, str, tuple[DrizzleImport, ...]], ...] = ()   # (name, params, type, imports)


@dataclass(frozen=True)
class Column:
    """A table column: its portable type, nullability, default and per-engine details."""

    name: str
    type: TypeRef
    nullable: bool = True
    default: Default | None = None
    identity: bool = False
    comment: str | None = None
    ts_type: str | None = None             # TypeScript type for Drizzle's $type<...>()
    engine_types: tuple[tuple[str, str], ...] = ()   # (engine, type spelling) overrides for this column
    renamed_from: str | None = field(default=None, compare=False)   # migration hint only
    path: tuple = field(default=(), compare=False)
    generated: Generated | None = None      # GENERATED ALWAYS AS (expr) STORED | VIRTUAL
    drizzle: DrizzleColumn | None = field(default=None, compare=False)   # Drizzle files only, not the schema


@dataclass(frozen=True)
class PrimaryKey:
    """A table's primary key."""

    name: str
    columns: tuple[str, ...]
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Unique:
    """A unique constraint."""

    name: str
    columns: tuple[str, ...]
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key with its referential actions."""

    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "no action"
    on_update: str = "no action"
    path: tuple = field(default=(), compare=False)
    deferrable: str | None = None           # DEFERRABLE INITIALLY "deferred" | "immediate"; None: NOT DEFERRABLE


@dataclass(frozen=True)
class Check:
    """A CHECK constraint."""

    name: str
    expr: Expr
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class IndexColumn:
    """One element of an index: a column, or an expression (``expr``; ``name`` is then "")."""

    name: str
    desc: bool = False
    expr: Expr | None = None
    nulls: str | None = None                # "first" | "last" where it differs from the engine's default
    opclass: str | None = None              # PostgreSQL operator class (PostgreSQL-only indexes)


@dataclass(frozen=True)
class Index:
    """An index: its elements, uniqueness, predicate, method and the engines it exists on."""

    name: str
    columns: tuple[IndexColumn, ...]
    unique: bool = False
    where: Expr | None = None
    method: str = "btree"                   # PostgreSQL access method
    engines: tuple[str, ...] = ENGINES      # where the index exists
    path: tuple = field(default=(), compare=False)

    def on(self, engine: str) -> bool:
        return engine in self.engines


@dataclass(frozen=True)
class Search:
    """Full-text search over text columns (FTS5 on SQLite, a GIN index on PostgreSQL)."""

    name: str
    columns: tuple[str, ...]
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Table:
    """A table with its columns and constraints."""

    name: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    uniques: tuple[Unique, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    indexes: tuple[Index, ...] = ()
    comment: str | None = None
    strict: bool = False
    without_rowid: bool = False
    pk_not_null: bool | None = None          # SQLite: NOT NULL on key columns; None follows the manifest's
    renamed_from: str | None = field(default=None, compare=False)   # migration hint only
    search: Search | None = None
    path: tuple = field(default=(), compare=False)
    row_level_security: bool = False        # PostgreSQL: ENABLE ROW LEVEL SECURITY
    force_row_level_security: bool = False  # PostgreSQL: FORCE ROW LEVEL SECURITY (the owner too)
    drizzle: DrizzleTable | None = field(default=None, compare=False)    # Drizzle files only, not the schema

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """The columns that hold written values (generated columns are computed by the engine)."""
        return tuple(c for c in self.columns if c.generated is None)


@dataclass(frozen=True)
class View:
    """A view: its query per engine."""

    name: str
    query: Expr                             # the SELECT, rendered per engine
    tables: tuple[str, ...] = ()            # tables and views it reads
    outputs: tuple[str, ...] | None = None  # result column names (None when it selects *)
    comment: str | None = None
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Trigger:
    """A trigger: its timing, event and body per engine."""

    name: str
    table: str
    timing: str                             # before | after
    event: str                              # insert | update | delete (several: "insert or update")
    body: Expr                              # statements per engine (absent on an engine: see ``function``)
    path: tuple = field(default=(), compare=False)
    function: str | None = None             # PostgreSQL: EXECUTE FUNCTION <declared function>()
    when: Expr | None = None                # WHEN (condition)
    each: str = "row"                       # row | statement (PostgreSQL only)

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines this trigger exists on."""
        return tuple(e for e in ENGINES if self.body.on(e) is not None or (e == "postgres" and self.function))

    def on(self, engine: str) -> bool:
        return engine in self.engines


@dataclass(frozen=True)
class Function:
    """A PostgreSQL function (SQLite has none): ``definition`` is its CREATE statement after the name
    (arguments, RETURNS, LANGUAGE, the $-quoted body), checked to be exactly one statement."""

    name: str
    definition: str
    language: str                           # plpgsql | sql
    body: str                               # the text between the dollar quotes
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Sequence:
    """A PostgreSQL sequence (SQLite has none). ``owned_by`` is "table.column" or None."""

    name: str
    type: str = "bigint"                    # smallint | integer | bigint
    start: int | None = None
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cycle: bool = False
    owned_by: str | None = None
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Policy:
    """A PostgreSQL row-level security policy on a table (SQLite has none)."""

    name: str
    table: str
    command: str = "all"                    # all | select | insert | update | delete
    roles: tuple[str, ...] = ("public",)
    permissive: bool = True
    using: Expr | None = None               # PostgreSQL-dialect expressions
    check: Expr | None = None               # WITH CHECK
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Enum:
    """An enum type and its values, in order."""

    name: str
    values: tuple[str, ...]
    path: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Manifest:
    """The whole manifest, for one feature set."""

    name: str
    version: int
    hash: str | None
    enums: tuple[Enum, ...]
    tables: tuple[Table, ...]                # in foreign-key dependency order
    pg_schema: str | None = None             # None means the default search_path schema
    pg_roles: tuple[str, ...] = ()           # roles the deployment provides (policies name them), sorted
    views: tuple[View, ...] = ()             # in dependency order
    triggers: tuple[Trigger, ...] = ()       # sorted by name
    functions: tuple[Function, ...] = ()     # PostgreSQL only, sorted by name
    sequences: tuple[Sequence, ...] = ()     # PostgreSQL only, sorted by name
    policies: tuple[Policy, ...] = ()        # PostgreSQL only, sorted by (table, name)
    time_storage: str = "integer_ms"
    spell: tuple[tuple[str, str, str], ...] = ()   # (engine, portable type, spelling) overrides
    features: tuple[str, ...] = ()                 # the feature set this model was built for
    declared_features: tuple[str, ...] = field(default=(), compare=False)   # every feature the manifest names
    absent: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # (table, feature) left out
    pragmas: tuple[tuple[str, object], ...] = ()   # SQLite connection settings, in manifest order
    pk_not_null: bool = True                       # SQLite: write NOT NULL on primary key columns
    format: int = 1
    source: str = field(default="", compare=False)
    located: object = field(default=None, compare=False, repr=False)   # yamlpos.Located, for positions
    warnings: tuple = field(default=(), compare=False, repr=False)     # Diagnostics of severity "warning"
    drizzle: DrizzleFile | None = field(default=None, compare=False)    # Drizzle files only, not the schema
    # load_file(..., defer_checks=True): the checks this model still owes (load.PendingChecks); None once run
    pending: object = field(default=None, compare=False, repr=False)

    def position(self, path: tuple, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of a manifest path, (1, 1) when unknown."""
        return self.located.at(path, key) if self.located is not None else (1, 1)

    @functools.cached_property
    def _by_name(self) -> tuple[dict, dict]:
        return {t.name: t for t in self.tables}, {e.name: e for e in self.enums}

    def table(self, name: str) -> Table | None:
        return self._by_name[0].get(name)

    def enum(self, name: str) -> Enum | None:
        return self._by_name[1].get(name)
