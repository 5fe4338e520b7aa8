"""The four-item short form: the 0–16 score from counters, its bands, and its disclosure."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.question_bank import default_bank
from storage.results.figures import figures_from
from storage.results.short_form import (
    Band,
    band_of,
    score_from_counts,
    score_of_round,
    short_form_items,
    tenths,
)

BANK = default_bank()
FOUR = ["kf_tl", "kf_tk", "kf_rf", "kf_sa"]  # trust in management, colleagues, justice, cooperation


def _counts(*distributions: list[int]) -> dict[str, dict[int, int]]:
    """Counts per item, each listed by points 0..4 ("i meget ringe grad" … "i meget høj grad");
    the degree scale stores them as values 1..5."""
    return {
        item: {points + 1: count for points, count in enumerate(distribution) if count}
        for item, distribution in zip(FOUR, distributions, strict=True)
    }


# Worked by hand. Each row: the four items' answers, as counts at 0, 1, 2, 3, 4 points; then the
# item means added up, the score rounded to one decimal, and its band.
ALL_TWO = [0, 0, 10, 0, 0]  # ten people, all "i nogen grad": mean 2.0
NINE_TWO_ONE_THREE = [0, 0, 9, 1, 0]  # (18 + 3) / 10 = 2.1
HALF_TWO_HALF_THREE = [0, 0, 5, 5, 0]  # (10 + 15) / 10 = 2.5
FOUR_TWO_SIX_THREE = [0, 0, 4, 6, 0]  # (8 + 18) / 10 = 2.6
ALL_THREE = [0, 0, 0, 10, 0]  # 3.0
NINE_THREE_ONE_FOUR = [0, 0, 0, 9, 1]  # (27 + 4) / 10 = 3.1
TABLE = [
    # 2.0 + 2.0 + 2.0 + 2.0 = 8.0: the top of "very low"
    ((ALL_TWO, ALL_TWO, ALL_TWO, ALL_TWO), 8.0, Band.VERY_LOW),
    # 2.0 + 2.0 + 2.0 + 2.1 = 8.1: the bottom of "slightly below"
    ((ALL_TWO, ALL_TWO, ALL_TWO, NINE_TWO_ONE_THREE), 8.1, Band.BELOW_AVERAGE),
    # 2.5 + 2.5 + 2.5 + 2.6 = 10.1: the top of "slightly below"
    (
        (HALF_TWO_HALF_THREE, HALF_TWO_HALF_THREE, HALF_TWO_HALF_THREE, FOUR_TWO_SIX_THREE),
        10.1,
        Band.BELOW_AVERAGE,
    ),
    # 2.5 + 2.5 + 2.6 + 2.6 = 10.2: the Danish average
    (
        (HALF_TWO_HALF_THREE, HALF_TWO_HALF_THREE, FOUR_TWO_SIX_THREE, FOUR_TWO_SIX_THREE),
        10.2,
        Band.AVERAGE,
    ),
    # 2.5 + 2.6 + 2.6 + 2.6 = 10.3: the bottom of "slightly above"
    (
        (HALF_TWO_HALF_THREE, FOUR_TWO_SIX_THREE, FOUR_TWO_SIX_THREE, FOUR_TWO_SIX_THREE),
        10.3,
        Band.ABOVE_AVERAGE,
    ),
    # 3.1 + 3.1 + 3.1 + 3.0 = 12.3: the top of "slightly above"
    (
        (NINE_THREE_ONE_FOUR, NINE_THREE_ONE_FOUR, NINE_THREE_ONE_FOUR, ALL_THREE),
        12.3,
        Band.ABOVE_AVERAGE,
    ),
    # 3.1 * 4 = 12.4: the bottom of "very high"
    (
        (NINE_THREE_ONE_FOUR, NINE_THREE_ONE_FOUR, NINE_THREE_ONE_FOUR, NINE_THREE_ONE_FOUR),
        12.4,
        Band.VERY_HIGH,
    ),
    # Everyone "i meget høj grad" / "i meget ringe grad": the ends of the scale.
    (([0, 0, 0, 0, 5],) * 4, 16.0, Band.VERY_HIGH),
    (([5, 0, 0, 0, 0],) * 4, 0.0, Band.VERY_LOW),
    # Between the edges: twenty people, 161 points over the four items: 8.05 rounds up to 8.1.
    (([0, 0, 20, 0, 0],) * 3 + ([0, 0, 19, 1, 0],), 8.05, Band.BELOW_AVERAGE),
    # Thirds: 7/3 + 5/3 + 2 + 2 = 8.0 exactly (the means are not tenths, the sum is).
    (([0, 0, 2, 1, 0], [0, 1, 2, 0, 0], ALL_TWO, ALL_TWO), 8.0, Band.VERY_LOW),
    # 2.0 + 2.0 + 2.0 + 2.04 = 8.04 rounds down to 8.0: very low (25 people, 51 points on one).
    (([0, 0, 25, 0, 0],) * 3 + ([0, 0, 24, 1, 0],), 8.04, Band.VERY_LOW),
]


@pytest.mark.parametrize(("distributions", "exact", "band"), TABLE)
def test_score_and_band_from_a_table_worked_by_hand(
    distributions: tuple[list[int], ...], exact: float, band: Band
) -> None:
    score = score_from_counts(_counts(*distributions), BANK)
    assert score == Fraction(str(exact))
    assert band_of(tenths(score)) is band
    # The same through a round's released figures, as the leader's card reads them.
    figures = figures_from(BANK, _counts(*distributions), sum(distributions[0]), 30)
    shown = score_of_round(BANK, FOUR, figures)
    assert shown is not None and not shown.suppressed
    assert shown.score == tenths(score) / 10 and shown.band is band


def test_band_edges_on_the_rounded_score() -> None:
    edges = {
        80: Band.VERY_LOW,
        81: Band.BELOW_AVERAGE,
        101: Band.BELOW_AVERAGE,
        102: Band.AVERAGE,
        103: Band.ABOVE_AVERAGE,
        123: Band.ABOVE_AVERAGE,
        124: Band.VERY_HIGH,
        0: Band.VERY_LOW,
        160: Band.VERY_HIGH,
    }
    assert {t: band_of(t) for t in edges} == edges
    assert tenths(Fraction(805, 100)) == 81 and tenths(Fraction(8049, 1000)) == 80
    with pytest.raises(ValueError):
        band_of(161)


ANSWER = st.integers(1, 5)  # a degree-scale value; points = value - 1


@given(people=st.lists(st.tuples(ANSWER, ANSWER, ANSWER, ANSWER), min_size=1, max_size=200))
def test_score_from_counters_is_the_mean_of_each_persons_four_item_sum(
    people: list[tuple[int, int, int, int]],
) -> None:
    """The test holds each person's four answers; the product only ever gets the counters."""
    counters: dict[str, dict[int, int]] = {item: {} for item in FOUR}
    for answers in people:
        for item, value in zip(FOUR, answers, strict=True):
            counters[item][value] = counters[item].get(value, 0) + 1
    per_person = [sum(value - 1 for value in answers) for answers in people]
    expected = Fraction(sum(per_person), len(people))
    assert score_from_counts(counters, BANK) == expected
    figures = figures_from(BANK, counters, len(people), len(people))
    shown = score_of_round(BANK, FOUR, figures)
    assert shown is not None and shown.score == tenths(expected) / 10
    assert 0 <= expected <= 16


def test_the_score_is_suppressed_when_any_of_the_four_is() -> None:
    counts = _counts(*([ALL_TWO] * 4))
    figures = figures_from(BANK, counts, 10, 12)
    without_justice = figures.model_copy(
        update={"dimensions": [d for d in figures.dimensions if d.dimension != "justice"]}
    )
    shown = score_of_round(BANK, FOUR, without_justice)
    assert shown is not None and shown.suppressed and shown.score is None and shown.band is None
    assert score_of_round(BANK, FOUR, None) == shown  # the whole round held back
    withheld = figures.model_copy(update={"withheld": {"cooperation": "too_few"}})
    assert score_of_round(BANK, FOUR, withheld) == shown


def test_only_a_round_asked_from_the_short_form_gets_a_score() -> None:
    assert short_form_items(BANK, FOUR) == {
        "trust_colleagues": "kf_tk",
        "trust_management": "kf_tl",
        "justice": "kf_rf",
        "cooperation": "kf_sa",
    }
    assert short_form_items(BANK, [*FOUR, "fu1"]) is not None  # the follow-up may come along
    assert short_form_items(BANK, ["tk1", "tl1", "rf1", "sa1", "tr1"]) is None
    assert short_form_items(BANK, [*FOUR, "tl1"]) is None  # two questions on one dimension
    assert short_form_items(BANK, FOUR[:3]) is None
    figures = figures_from(BANK, {"tk1": {4: 6}, "tl1": {4: 6}, "rf1": {4: 6}}, 6, 6)
    assert score_of_round(BANK, ["tk1", "tl1", "rf1"], figures) is None
