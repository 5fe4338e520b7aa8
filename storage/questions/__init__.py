"""HR's question bank in the database: its file format, the store that seeds, imports and exports it,
and the templates a pulse is asked from. The shipped bank and its rules are storage/question_bank.py."""

__all__ = ["file_format", "store", "templates"]
