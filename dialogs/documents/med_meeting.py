"""The MED document in the reader's language: results, trend, comparison, comments, dialogue
questions and the handlingsplan, as blocks (dialogs/documents/layout.py).

It says what the leader's card says, in the card's own words where there are some (the reasons a
figure is hidden, the dialogue questions, the plan's labels), laid out for paper. Numbers come
only from figures the release showed (storage/results/med_document.py); a hidden one is its reason in
words. Comments are one block each, plain text, in the random order they came in (rule 6).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from dialogs.cards.action_plan import addresses_label, deadline_text, follow_up_text
from dialogs.cards.summary import dimension_name, month_label
from dialogs.documents.layout import (
    Bar,
    BarChart,
    Block,
    Bullets,
    DocumentLayout,
    Heading,
    LineChart,
    Paragraph,
    Quote,
    Series,
    Table,
)
from dialogs.i18n import Language, t
from storage.calendar.zone import local_date
from storage.comments import one_line
from storage.question_bank import QuestionBank
from storage.results.figures import Figures
from storage.results.med_document import MedDocument
from storage.results.values import Summary

LANGUAGE_TAGS = {"da": "da-DK", "en": "en-GB"}
_UNSAFE_IN_FILE_NAMES = re.compile(r"[^\w\- ]+")


def long_date(moment: date | datetime, language: Language) -> str:
    """'23. november 2026' / '23 November 2026' (local date)."""
    day = local_date(moment) if isinstance(moment, datetime) else moment
    month = t(language, "date.months").split(",")[day.month - 1]
    return t(language, "document.date", day=day.day, month=month, year=day.year)


def _share(count: int, total: int) -> str:
    return f"{round(100 * count / total)} %" if total else "–"


def _figures(
    figures: Figures, summary: Summary, doc: MedDocument, bank: QuestionBank, language: Language
) -> list[Block]:
    """A shown figure: how many answered, the scores as a chart and a table, what is held back."""
    blocks: list[Block] = [
        Paragraph(
            t(
                language,
                "summary.responses",
                responses=figures.responses,
                eligible=figures.eligible,
                rate=round(100 * figures.response_rate),
            )
        )
    ]
    baseline = summary.baseline
    blocks.append(
        BarChart(
            title=t(language, "summary.scores_title"),
            bars=tuple(
                Bar(
                    dimension_name(bank, d.dimension, language),
                    d.score,
                    baseline.get(d.dimension),
                )
                for d in figures.dimensions
            ),
            value_legend=t(language, "document.legend_score"),
            marker_legend=(summary.baseline_source or t(language, "summary.baseline"))
            if any(d.dimension in baseline for d in figures.dimensions)
            else None,
        )
    )
    rows = []
    for result in figures.dimensions:
        total = result.answers
        spread = " / ".join(_share(count, total) for count in result.distribution)
        rows.append(
            (
                dimension_name(bank, result.dimension, language),
                f"{result.score:.0f}",
                str(total),
                spread,
            )
        )
    blocks.append(
        Table(
            header=(
                t(language, "document.column_dimension"),
                t(language, "document.column_score"),
                t(language, "document.column_answers"),
                t(language, "document.column_distribution"),
            ),
            rows=tuple(rows),
            widths=(0.34, 0.12, 0.12, 0.42),
            numeric=(False, True, True, False),
        )
    )
    if figures.withheld:
        names = ", ".join(
            dimension_name(bank, d, language) for d in bank.dimensions if d in figures.withheld
        )
        blocks.append(
            Paragraph(t(language, "summary.withheld", dimensions=names, k=doc.k), tone="warning")
        )
    return blocks


def _hidden(summary: Summary, doc: MedDocument, language: Language) -> Paragraph:
    reason = summary.suppressed.value if summary.suppressed else "too_few"
    return Paragraph(t(language, f"summary.suppressed.{reason}", k=doc.k), tone="warning")


def _comments(summary: Summary, language: Language) -> list[Block]:
    blocks: list[Block] = [Heading(t(language, "summary.comments_title"), level=3)]
    if summary.comments_held_back:
        n = summary.comment_threshold
        blocks.append(Paragraph(t(language, "summary.comments_held_back", n=n), tone="note"))
    elif summary.comments:
        blocks.extend(Quote(one_line(comment)) for comment in summary.comments)
    else:
        blocks.append(Paragraph(t(language, "summary.no_comments"), tone="note"))
    return blocks


def _results(doc: MedDocument, bank: QuestionBank, language: Language) -> list[Block]:
    blocks: list[Block] = [Heading(t(language, "document.results_title"))]
    for summary in doc.rounds:
        assert summary.closes_at is not None
        blocks.append(
            Heading(
                t(
                    language,
                    "document.round_heading",
                    sequence=summary.sequence,
                    date=long_date(summary.closes_at, language),
                ),
                level=2,
            )
        )
        if summary.figures is None:
            blocks.append(_hidden(summary, doc, language))
            continue
        blocks.extend(_figures(summary.figures, summary, doc, bank, language))
        blocks.extend(_comments(summary, language))
    if doc.month is not None:
        month = doc.month
        blocks.append(
            Heading(
                t(
                    language,
                    "document.month_heading",
                    unit=doc.unit_name,
                    month=month_label(doc.period, language),
                ),
                level=2,
            )
        )
        if month.figures is None:
            blocks.append(_hidden(month, doc, language))
        else:
            blocks.extend(_figures(month.figures, month, doc, bank, language))
        blocks.append(Paragraph(t(language, "document.month_comments"), tone="note"))
    return blocks


def _trend(doc: MedDocument, bank: QuestionBank, language: Language) -> list[Block]:
    by_months = doc.trend_of == "months"
    title = t(language, "document.trend_months_title" if by_months else "summary.trend_title")
    blocks: list[Block] = [Heading(title)]
    if len(doc.trend) < 2:
        blocks.append(Paragraph(t(language, "document.trend_too_short"), tone="note"))
        return blocks
    if by_months:
        labels = tuple(month_label(point.label, language) for point in doc.trend)
    else:
        labels = tuple(
            t(language, "document.round_label", sequence=point.label) for point in doc.trend
        )
    dimensions = [
        d
        for d in bank.dimensions
        if d != "follow_up" and any(d in point.scores for point in doc.trend)
    ]
    series = tuple(
        Series(
            dimension_name(bank, d, language),
            tuple(point.scores.get(d) for point in doc.trend),
        )
        for d in dimensions
    )
    blocks.append(
        LineChart(title=t(language, "document.trend_chart"), labels=labels, series=series)
    )
    share = 0.64 / len(labels)
    blocks.append(
        Table(
            header=(t(language, "document.column_dimension"), *labels),
            rows=tuple(
                (
                    s.name,
                    *(f"{value:.0f}" if value is not None else "–" for value in s.values),
                )
                for s in series
            ),
            widths=(0.36, *(share for _ in labels)),
            numeric=(False, *(True for _ in labels)),
        )
    )
    blocks.append(Paragraph(t(language, "document.dash_note"), tone="note"))
    return blocks


def _comparison(doc: MedDocument, bank: QuestionBank, language: Language) -> list[Block]:
    main = doc.main
    parent = main.parent
    own = {d.dimension: d.score for d in main.figures.dimensions} if main.figures else {}
    columns: list[tuple[str, dict[str, float]]] = [(doc.unit_name, own)]
    if parent is not None and parent.scores is not None:
        label = t(
            language,
            "summary.compare_parent",
            unit=parent.unit_name,
            month=month_label(parent.period, language),
        )
        columns.append((label, parent.scores))
    if main.baseline:
        columns.append((main.baseline_source or t(language, "summary.baseline"), main.baseline))
    if len(columns) == 1 and not (parent and parent.suppressed):
        return []
    blocks: list[Block] = [Heading(t(language, "summary.compare_title"))]
    dimensions = [
        d for d in bank.dimensions if d != "follow_up" and any(d in c for _, c in columns)
    ]
    if len(columns) > 1 and dimensions:
        share = 0.64 / len(columns)
        blocks.append(
            Table(
                header=(t(language, "document.column_dimension"), *(name for name, _ in columns)),
                rows=tuple(
                    (
                        dimension_name(bank, d, language),
                        *(f"{c[d]:.0f}" if d in c else "–" for _, c in columns),
                    )
                    for d in dimensions
                ),
                widths=(0.36, *(share for _ in columns)),
                numeric=(False, *(True for _ in columns)),
            )
        )
        blocks.append(Paragraph(t(language, "document.dash_note"), tone="note"))
    if parent is not None and parent.scores is None and parent.suppressed:
        reason = t(language, f"summary.suppressed.{parent.suppressed.value}", k=doc.k)
        blocks.append(
            Paragraph(
                t(language, "summary.compare_hidden", unit=parent.unit_name, reason=reason),
                tone="note",
            )
        )
    return blocks


def _dialogue(doc: MedDocument, bank: QuestionBank, language: Language) -> list[Block]:
    weakest = doc.dialogue_dimension()
    if weakest is None:
        return []
    name = dimension_name(bank, weakest, language)
    return [
        Heading(t(language, "summary.dialogue_title", dimension=name)),
        Bullets(tuple(t(language, f"dialogue.{weakest}").split("|"))),
    ]


def _plan(doc: MedDocument, bank: QuestionBank, language: Language) -> list[Block]:
    blocks: list[Block] = [Heading(t(language, "plan.title"))]
    if not doc.plan:
        blocks.append(Paragraph(t(language, "document.plan_empty"), tone="note"))
        return blocks
    rows = tuple(
        (
            one_line(action.title),
            addresses_label(bank, action.addresses, language),
            one_line(action.responsible or t(language, "plan.nobody")),
            deadline_text(action.deadline, language),
            t(language, f"plan.status.{action.status.value}"),
            follow_up_text(action, language) or "–",
        )
        for action in doc.plan
    )
    blocks.append(
        Table(
            header=(
                t(language, "document.column_action"),
                t(language, "plan.addresses"),
                t(language, "plan.responsible"),
                t(language, "plan.deadline"),
                t(language, "plan.status"),
                t(language, "plan.follow_up"),
            ),
            rows=rows,
            widths=(0.24, 0.14, 0.14, 0.14, 0.14, 0.20),
        )
    )
    return blocks


def file_stem(doc: MedDocument, language: Language) -> str:
    """A file name people recognise, safe on every file system and in a download header."""
    stem = t(language, "document.file_stem", unit=doc.unit_name, period=doc.period)
    return " ".join(_UNSAFE_IN_FILE_NAMES.sub(" ", stem).split())[:120] or doc.period


def med_meeting_layout(
    doc: MedDocument, bank: QuestionBank, language: Language, made_at: datetime
) -> DocumentLayout:
    """The whole document for the MED meeting, in `language`, as of `made_at`."""
    month = month_label(doc.period, language)
    blocks: list[Block] = [
        Paragraph(t(language, "document.intro", k=doc.k, n=doc.comment_threshold), tone="note"),
        *_results(doc, bank, language),
        *_trend(doc, bank, language),
        *_comparison(doc, bank, language),
        *_dialogue(doc, bank, language),
        *_plan(doc, bank, language),
    ]
    return DocumentLayout(
        title=t(language, "document.title", unit=doc.unit_name),
        subtitle=t(language, "document.subtitle", month=month, date=long_date(made_at, language)),
        footer=t(language, "document.footer", unit=doc.unit_name, month=month),
        page_label=t(language, "document.page"),
        language=LANGUAGE_TAGS[language],
        file_stem=file_stem(doc, language),
        blocks=tuple(blocks),
    )
