"""Reading HR's files (YAML, CSV), with the limits every door has."""

__all__ = ["import_files", "safe_yaml", "tabular"]
