"""Every link in the README and docs/ leads to a file of this repository, and to a heading that is there.

The README is the front door and docs/ the rooms behind it: a link to a moved section, or to a file
beside the checkout (`../shared/…` once), leaves a newcomer in front of a wall.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# [text](target) and ![alt](target), optionally with a "title"; [label]: target definitions.
INLINE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
# A path written out in text (a code span too) that climbs out of the folder it is in.
CLIMBING_PATH = re.compile(r"(?<![\w/.])\.\./[\w./-]*[\w/]")


def without_code(text: str) -> str:
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    prose = without_code(text)
    return INLINE.findall(prose) + DEFINITION.findall(prose)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match.group(1))
            anchor, number = base, 0
            while anchor in found:
                number += 1
                anchor = f"{base}-{number}"
            found.add(anchor)
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    problems = []
    for target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            if not target.startswith(("http://", "https://", "mailto:")):
                problems.append(f"{target}: not a web address or a file of the repository")
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (document.parent / unquote(path_part)).resolve() if path_part else document
        if not resolved.is_relative_to(ROOT):
            problems.append(f"{target}: leaves the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
        elif fragment and resolved.suffix == ".md" and unquote(fragment) not in anchors(resolved):
            problems.append(f"{target}: {resolved.name} has no heading #{fragment}")
    for mention in CLIMBING_PATH.findall(FENCE.sub("", text)):
        if not (document.parent / mention).resolve().is_relative_to(ROOT):
            problems.append(f"{mention}: names a path outside the repository")
    assert not problems, "\n".join(problems)


def test_the_checker_sees_what_it_must_refuse() -> None:
    """The patterns themselves: links in prose are found, code is not a link, GitHub's anchors."""
    text = (
        'See [the rules](../shared/DESIGN.md) and ![a chart](docs/x.png "title").\n'
        "`[not](a-link.md)`\n```\n[nor](this.md)\n```\n[label]: docs/operations.md#backups\n"
    )
    assert links(text) == ["../shared/DESIGN.md", "docs/x.png", "docs/operations.md#backups"]
    assert slug("Til MED-mødet: the document") == "til-med-mødet-the-document"
    assert slug("Metrics (`/metrics`, Prometheus)") == "metrics-metrics-prometheus"
    assert slug("Credentials for the bot's own token") == "credentials-for-the-bots-own-token"
    assert CLIMBING_PATH.findall("rules in `../shared/DESIGN.md`.") == ["../shared/DESIGN.md"]
