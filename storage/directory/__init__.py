"""Who is who: recipients, the unit hierarchy (and its file format), roles, baselines."""

__all__ = ["baselines", "hierarchy", "hierarchy_file", "recipients", "roles"]
