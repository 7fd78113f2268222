"""Real database engines: throwaway PostgreSQL servers and SQLite files."""
