"""The short form's section of the leader's summary card: the 0–16 score and its reference band.

Kept apart from dialogs/cards/summary.py so the card gains one line. The score is made from the
round's released figures only (storage/results/short_form.py); when any of its four dimensions is held
back, the section says so and shows no number.
"""

from __future__ import annotations

from typing import Any

from dialogs.cards.common import paragraph
from dialogs.i18n import Language, t
from storage.results.short_form import DANISH_AVERAGE, ShortFormScore


def decimal(value: float, language: Language) -> str:
    """One decimal, with the comma Danish readers expect (10,2)."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if language == "da" else text


def short_form_section(
    score: ShortFormScore | None, language: Language, k: int
) -> list[dict[str, Any]]:
    if score is None:  # not a short-form round
        return []
    body: list[dict[str, Any]] = [
        paragraph(t(language, "short_form.title"), weight="Bolder", spacing="Medium")
    ]
    if score.suppressed or score.score is None or score.band is None:
        body.append(paragraph(t(language, "short_form.suppressed", k=k), color="Attention"))
    else:
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {
                        "title": t(language, "short_form.score"),
                        "value": t(
                            language, "short_form.score_value", score=decimal(score.score, language)
                        ),
                    },
                    {
                        "title": t(language, "short_form.band"),
                        "value": t(language, f"short_form.band.{score.band.value}"),
                    },
                ],
            }
        )
        body.append(
            paragraph(
                t(language, "short_form.bands", average=decimal(DANISH_AVERAGE, language)),
                size="Small",
                isSubtle=True,
            )
        )
    body.append(paragraph(t(language, "short_form.not_validated"), size="Small", isSubtle=True))
    return body
