"""Reading an import file from disk (the CLI's door), with the size limit every door has.

The HTTP doors refuse bodies over bot/teams/request_body.py's MAX_BODY_BYTES before reading them; a file
named on the command line could be anything (a log, a disk image, /dev/zero), so it is measured
first and read at most MAX_IMPORT_BYTES + 1 bytes, never whole.
"""

from __future__ import annotations

from pathlib import Path

from storage.files.safe_yaml import MAX_YAML_CHARS

MAX_IMPORT_BYTES = MAX_YAML_CHARS  # 2 MiB: some 10,000 units or baselines, far more than we meet


class ImportFileError(Exception):
    """The file cannot be imported as it is; the message is one line for HR."""


def read_import_file(path: Path, encoding: str = "utf-8") -> str:
    """The file's text, or ImportFileError (unreadable, too large, not `encoding`)."""
    too_large = f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB; split it"
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise ImportFileError(too_large)
        with path.open("rb") as handle:
            raw = handle.read(MAX_IMPORT_BYTES + 1)  # a pipe or device has no size to stat
    except OSError as error:
        raise ImportFileError(f"cannot read the file ({error})") from None
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportFileError(too_large)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise ImportFileError(f"cannot read the file ({error})") from None
