"""The privacy catalog, the report built from it, retention, the rights of the data subject, the audit log."""

__all__ = ["audit", "catalog", "report", "retention", "rights"]
