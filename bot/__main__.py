"""`python -m bot` is the same as the `trivselsbot` command."""

from bot.cli.main import main

main()
