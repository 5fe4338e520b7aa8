"""Every user-facing text, one module per language; keys and placeholders must match."""
