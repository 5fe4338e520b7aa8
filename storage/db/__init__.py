"""The engine, migrations, the SQLite writer thread, state documents, and what is done to the database
files themselves (backup, the rewrite after a round closes)."""

__all__ = [
    "backup",
    "crash_points",
    "engine",
    "file_rewrite",
    "migrate",
    "service_gauges",
    "sqlite_thread",
    "state_documents",
]
