"""`trivselsbot`: the entry point (main) and one module per command group."""

__all__ = [
    "audit",
    "common",
    "delivery",
    "main",
    "privacy",
    "prompts",
    "pulse",
    "results",
    "units",
    "worker",
]
