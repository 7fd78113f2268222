"""A chain that rebuilds a parent table on SQLite while its descendants hold rows: a self-reference, a
foreign-key cycle (one side RESTRICT), ON DELETE CASCADE and SET NULL children, AUTOINCREMENT, a full-text
search, a trigger and a view on the rebuilt tables.  Shared by the runner and runtime tests."""

from __future__ import annotations

import hashlib

V1 = """\
format: 1
name: family
version: 1
tables:
  parents:
    columns:
      id: {type: integer, primary_key: true, identity: true}
      name: {type: text, nullable: false}
      boss_id: {type: integer, references: {table: parents, column: id, on_delete: cascade}}
    search: {name: parents_fts, columns: [name]}
  children:
    columns:
      id: {type: integer, primary_key: true}
      parent_id: {type: integer, nullable: false, references: {table: parents, column: id, on_delete: cascade}}
      label: text
    indexes:
      - {name: children_label_idx, columns: [label]}
  notes:
    columns:
      id: {type: text, primary_key: true}
      child_id: {type: integer, references: {table: children, column: id, on_delete: set null}}
      body: {type: text, nullable: false}
  teams:
    columns:
      id: {type: integer, primary_key: true}
      lead_member: {type: integer, references: {table: members, column: id, on_delete: restrict}}
  members:
    columns:
      id: {type: integer, primary_key: true}
      team: {type: integer, nullable: false, references: {table: teams, column: id, on_delete: cascade}}
      parent_id: {type: integer, references: {table: parents, column: id, on_delete: cascade}}
  scratch:
    columns:
      id: {type: integer, primary_key: true}
      parent_id: {type: integer, references: {table: parents, column: id, on_delete: cascade}}
triggers:
  notes_touch_child:
    table: notes
    timing: after
    on: insert
    do: ["UPDATE children SET label = label WHERE id = NEW.child_id"]
views:
  family_labels:
    sql: "SELECT p.name, c.label FROM parents p JOIN children c ON c.parent_id = p.id"
"""

# 2: a parent column becomes nullable (SQLite rebuilds parents and, with it, every table below it).
V2 = V1.replace("name: {type: text, nullable: false}", "name: {type: text}")
# 3: a child gains a checked column and the scratch table (a child of parents) is dropped.
V3 = V2.replace("      label: text\n", "      label: text\n      rank: {type: integer, nullable: false, default: 1}\n") \
    .replace("    indexes:\n      - {name: children_label_idx", "    checks:\n      - {name: children_rank_check, "
             "expr: \"rank > 0\"}\n    indexes:\n      - {name: children_label_idx") \
    .split("  scratch:\n")[0] + "triggers:" + V2.split("\ntriggers:", 1)[1]

RELEASES = [("init", V1), ("nullable_parent_name", V2), ("child_rank", V3)]

ROWS = [
    "INSERT INTO parents (id, name, boss_id) VALUES (1, 'ann', NULL), (2, 'bob', 1), (3, 'cy', 2)",
    "INSERT INTO children (id, parent_id, label) VALUES (10, 1, 'a'), (11, 2, 'b'), (12, 3, NULL)",
    "INSERT INTO notes (id, child_id, body) VALUES ('n1', 10, 'x'), ('n2', 11, 'y'), ('n3', NULL, 'z')",
    "INSERT INTO teams (id, lead_member) VALUES (1, NULL), (2, NULL)",
    "INSERT INTO members (id, team, parent_id) VALUES (5, 1, 1), (6, 2, 2), (7, 1, NULL)",
    "UPDATE teams SET lead_member = 6 WHERE id = 1",
    "UPDATE teams SET lead_member = 5 WHERE id = 2",
    "INSERT INTO scratch (id, parent_id) VALUES (1, 1)",
]

# Columns present in every release, compared before and after migrating.
KEPT = {
    "parents": "id, name, boss_id",
    "children": "id, parent_id, label",
    "notes": "id, child_id, body",
    "teams": "id, lead_member",
    "members": "id, team, parent_id",
}


def fingerprint(rows_of) -> dict:
    """Row count and SHA-256 of every kept table's rows (``rows_of(sql)`` returns the rows)."""
    out = {}
    for table, cols in KEPT.items():
        rows = rows_of(f"SELECT {cols} FROM {table} ORDER BY id")
        out[table] = (len(rows), hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest())
    return out
