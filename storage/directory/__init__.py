"""Who is who: recipients, the unit hierarchy (and its file format), roles, baselines."""

__all__ = ["baseline_scales", "baselines", "hierarchy", "hierarchy_file", "recipients", "roles"]
