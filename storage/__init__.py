"""The bot's memory, framework-free: pure rules at the top level (values, errors, disclosure,
scores, comments, the question bank), tables at the bottom, and one package per part of the work.
Nothing here imports the Bot Framework or aiohttp (import-linter contract in pyproject.toml)."""
