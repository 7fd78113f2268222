"""Real database engines: throwaway PostgreSQL servers and SQLite files."""

ENGINES = ("postgres", "sqlite")   # the two engines every manifest targets
ENGINE_NAMES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}   # as messages name them
