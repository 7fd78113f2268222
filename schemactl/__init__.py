"""schemactl: one YAML manifest, one relational schema on PostgreSQL and SQLite."""

__version__ = "0.1.0"
