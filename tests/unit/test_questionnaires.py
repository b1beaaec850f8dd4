"""Questionnaires: the shipped instruments, scoring and bands at every cut-off, alerts,
change from baseline, answer validation, the loader's error messages — then properties."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.questionnaires import (
    TIERS,
    Instrument,
    InvalidAnswer,
    Score,
    alerts,
    change_from_baseline,
    parse_condition,
    score,
)
from bot.domain.screening.model import Tier
from prompts.questionnaire_loader import (
    QUESTIONNAIRES_DIR,
    QuestionnaireFileError,
    instrument_from_yaml,
    instruments,
    load_instrument,
)

SHIPPED = instruments()
PHQ9, GAD7, PCL5, WHO5 = SHIPPED["phq9"], SHIPPED["gad7"], SHIPPED["pcl5"], SHIPPED["who5"]


def answers_totalling(instrument: Instrument, total: int) -> dict[str, int]:
    """Complete answers summing to ``total``: highest values first, the rest zero."""
    top = instrument.options[-1].value
    out: dict[str, int] = {}
    for item_id in instrument.item_ids:
        out[item_id] = min(top, total)
        total -= out[item_id]
    assert total == 0, "total out of range"
    return out


def all_answers(instrument: Instrument, value: int) -> dict[str, int]:
    return dict.fromkeys(instrument.item_ids, value)


def scored(instrument: Instrument, total: int) -> Score:
    return score(instrument, answers_totalling(instrument, total))


# -- the shipped instruments ---------------------------------------------------------------


def test_the_four_instruments_a_protocol_may_name_are_shipped() -> None:
    protocol = pytest.importorskip("bot.domain.protocol")
    assert set(SHIPPED) == set(protocol.QUESTIONNAIRE_IDS)


@pytest.mark.parametrize(
    ("instrument", "items", "values", "first_label", "last_label"),
    [
        (PHQ9, 9, (0, 3), "Not at all", "Nearly every day"),
        (GAD7, 7, (0, 3), "Not at all", "Nearly every day"),
        (PCL5, 20, (0, 4), "Not at all", "Extremely"),
        (WHO5, 5, (0, 5), "At no time", "All of the time"),
    ],
)
def test_each_instrument_has_its_published_shape(
    instrument: Instrument, items: int, values: tuple[int, int], first_label: str,
    last_label: str,
) -> None:
    assert len(instrument.items) == items
    assert [item.id for item in instrument.items] == [
        f"{instrument.id}_{n}" for n in range(1, items + 1)]
    assert (instrument.options[0].value, instrument.options[-1].value) == values
    assert (instrument.options[0].label, instrument.options[-1].label) == (first_label, last_label)
    assert instrument.citation and instrument.languages == ("en",)


def test_the_published_stems_are_kept() -> None:
    assert PHQ9.timeframe == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?")
    assert GAD7.timeframe.startswith("Over the last 2 weeks, how often have you been bothered")
    assert PCL5.timeframe == "In the past month, how much were you bothered by:"
    assert "over the last two weeks" in WHO5.instructions
    assert PHQ9.item("phq9_9").text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way")
    assert [o.label for o in PHQ9.options] == [
        "Not at all", "Several days", "More than half the days", "Nearly every day"]
    assert [o.label for o in PCL5.options] == [
        "Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"]


def test_alert_categories_are_the_screeners_words() -> None:
    screening = pytest.importorskip("bot.domain.screening")
    for instrument in SHIPPED.values():
        for rule in instrument.alerts:
            assert rule.category in screening.CATEGORIES, rule.id
            assert rule.tier.label in TIERS


def test_instruments_returns_a_fresh_dict_each_time() -> None:
    mine = instruments()
    mine.pop("phq9")
    assert "phq9" in instruments()


# -- scoring -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "answers", "total", "band_id"),
    [
        (PHQ9, all_answers(PHQ9, 0), 0, "minimal"),
        (PHQ9, all_answers(PHQ9, 3), 27, "severe"),
        # 1+2+0+3+1+1+2+0+1 = 11
        (PHQ9, dict(zip(PHQ9.item_ids, (1, 2, 0, 3, 1, 1, 2, 0, 1), strict=True)), 11, "moderate"),
        (GAD7, all_answers(GAD7, 0), 0, "minimal"),
        (GAD7, all_answers(GAD7, 3), 21, "severe"),
        # 2+2+1+0+3+1+0 = 9
        (GAD7, dict(zip(GAD7.item_ids, (2, 2, 1, 0, 3, 1, 0), strict=True)), 9, "mild"),
        (PCL5, all_answers(PCL5, 0), 0, "below_cutoff"),
        (PCL5, all_answers(PCL5, 4), 80, "provisional_ptsd"),
        # ten items at 2 and ten at 1 = 30
        (PCL5, dict(zip(PCL5.item_ids, [2] * 10 + [1] * 10, strict=True)), 30, "below_cutoff"),
        (WHO5, all_answers(WHO5, 0), 0, "likely_depression"),
        (WHO5, all_answers(WHO5, 5), 25, "adequate"),
        # 3+2+2+1+4 = 12
        (WHO5, dict(zip(WHO5.item_ids, (3, 2, 2, 1, 4), strict=True)), 12, "poor_wellbeing"),
    ],
)
def test_scores_match_hand_computed_totals(
    instrument: Instrument, answers: dict[str, int], total: int, band_id: str
) -> None:
    result = score(instrument, answers)
    assert (result.total, result.band_id, result.complete, result.missing) == (
        total, band_id, True, ())
    assert result.band == next(b.label for b in instrument.bands if b.id == band_id)


# Each cut-off, from both sides: (instrument, total, band id).
BOUNDARIES = [
    (PHQ9, 4, "minimal"), (PHQ9, 5, "mild"), (PHQ9, 9, "mild"), (PHQ9, 10, "moderate"),
    (PHQ9, 14, "moderate"), (PHQ9, 15, "moderately_severe"), (PHQ9, 19, "moderately_severe"),
    (PHQ9, 20, "severe"),
    (GAD7, 4, "minimal"), (GAD7, 5, "mild"), (GAD7, 9, "mild"), (GAD7, 10, "moderate"),
    (GAD7, 14, "moderate"), (GAD7, 15, "severe"),
    (PCL5, 32, "below_cutoff"), (PCL5, 33, "provisional_ptsd"),
    (WHO5, 7, "likely_depression"), (WHO5, 8, "poor_wellbeing"), (WHO5, 12, "poor_wellbeing"),
    (WHO5, 13, "adequate"),
]


@pytest.mark.parametrize(("instrument", "total", "band_id"), BOUNDARIES)
def test_bands_change_exactly_at_the_published_cut_offs(
    instrument: Instrument, total: int, band_id: str
) -> None:
    assert scored(instrument, total).band_id == band_id


@pytest.mark.parametrize(("raw", "percentage"), [(0, 0), (7, 28), (12, 48), (13, 52), (25, 100)])
def test_who5_percentage_is_the_raw_score_times_four(raw: int, percentage: int) -> None:
    result = scored(WHO5, raw)
    assert (result.total, result.percentage) == (raw, percentage)


def test_only_who5_has_a_percentage() -> None:
    assert scored(PHQ9, 10).percentage is None


def test_an_incomplete_questionnaire_has_no_total_and_names_what_is_missing() -> None:
    answers = all_answers(PHQ9, 3)
    del answers["phq9_2"], answers["phq9_9"]
    result = score(PHQ9, answers)
    assert (result.total, result.band, result.percentage) == (None, None, None)
    assert not result.complete
    assert result.missing == ("phq9_2", "phq9_9")


def test_next_item_walks_the_published_order() -> None:
    assert PHQ9.next_item({}) == PHQ9.items[0]
    assert PHQ9.next_item({"phq9_1": 0, "phq9_2": 1}) == PHQ9.item("phq9_3")
    assert PHQ9.next_item(all_answers(PHQ9, 0)) is None


# -- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"phq9_10": 1}, "no item 'phq9_10'"),
        ({"gad7_1": 1}, "no item 'gad7_1'"),
        ({"phq9_1": 4}, "4 is not one of the answers"),
        ({"phq9_1": -1}, "-1 is not one of the answers"),
        ({"phq9_1": True}, "True is not one of the answers"),
        ({"phq9_1": "2"}, "'2' is not one of the answers"),
        ({"phq9_1": 1.0}, "1.0 is not one of the answers"),
    ],
)
def test_invalid_answers_are_refused(answers: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        score(PHQ9, answers)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        alerts(PHQ9, answers, Score("phq9", None, None, None, None, False, ()))  # type: ignore[arg-type]


def test_a_score_of_another_instrument_is_refused() -> None:
    with pytest.raises(ValueError, match="gad7 score cannot be read as phq9"):
        alerts(PHQ9, {}, scored(GAD7, 3))


# -- alerts --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 2, 3])
def test_any_endorsement_of_phq9_item_9_is_a_high_suicidality_alert(value: int) -> None:
    answers = all_answers(PHQ9, 0) | {"phq9_9": value}
    raised = alerts(PHQ9, answers, score(PHQ9, answers))
    assert [(a.tier, a.category, a.rule_id) for a in raised] == [
        (Tier.HIGH, "suicidality", "phq9.item9")]
    assert f"phq9_9 answered {value}" in raised[0].reason


def test_phq9_item_9_at_zero_raises_nothing() -> None:
    answers = all_answers(PHQ9, 2) | {"phq9_9": 0}  # total 16: moderately severe, no alert
    assert alerts(PHQ9, answers, score(PHQ9, answers)) == []


def test_phq9_item_9_is_seen_before_the_questionnaire_is_finished() -> None:
    answers = {"phq9_9": 1}
    raised = alerts(PHQ9, answers, score(PHQ9, answers))
    assert [a.rule_id for a in raised] == ["phq9.item9"]


def test_a_severe_phq9_with_item_9_lists_the_most_urgent_alert_first() -> None:
    answers = all_answers(PHQ9, 3)
    raised = alerts(PHQ9, answers, score(PHQ9, answers))
    assert [(a.tier, a.category) for a in raised] == [
        (Tier.HIGH, "suicidality"), (Tier.MODERATE, "distress")]
    assert "total 27" in raised[1].reason


@pytest.mark.parametrize(
    ("instrument", "quiet", "alerting", "rule_id"),
    [
        (PHQ9, 19, 20, "phq9.total_severe"),
        (GAD7, 14, 15, "gad7.total_severe"),
        (PCL5, 32, 33, "pcl5.total_provisional_ptsd"),
        (WHO5, 8, 7, "who5.total_likely_depression"),
    ],
)
def test_total_alerts_start_exactly_at_their_threshold(
    instrument: Instrument, quiet: int, alerting: int, rule_id: str
) -> None:
    def raised(total: int) -> list[tuple[Tier, str, str]]:
        answers = answers_totalling(instrument, total)
        if instrument is PHQ9:  # keep item 9 out of it
            answers = dict(zip(PHQ9.item_ids, sorted(answers.values(), reverse=True),
                               strict=True))
            assert answers["phq9_9"] == 0
        return [(a.tier, a.category, a.rule_id)
                for a in alerts(instrument, answers, score(instrument, answers))]

    assert raised(quiet) == []
    assert raised(alerting) == [(Tier.MODERATE, "distress", rule_id)]


def test_total_alerts_wait_for_a_complete_questionnaire() -> None:
    answers = all_answers(PCL5, 4)
    del answers["pcl5_20"]  # 76 so far, but not complete
    assert alerts(PCL5, answers, score(PCL5, answers)) == []


# -- change from baseline ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "before", "after", "delta", "direction", "meaningful"),
    [
        # PHQ-9, lower is better, 5 points matter
        (PHQ9, 15, 10, -5, "better", True),
        (PHQ9, 15, 11, -4, "better", False),
        (PHQ9, 10, 15, 5, "worse", True),
        (PHQ9, 12, 12, 0, "same", False),
        # PCL-5, lower is better, 10 points matter
        (PCL5, 50, 40, -10, "better", True),
        (PCL5, 50, 41, -9, "better", False),
        (PCL5, 30, 45, 15, "worse", True),
        # WHO-5, higher is better, 10 percentage points matter (raw × 4)
        (WHO5, 10, 13, 12, "better", True),
        (WHO5, 10, 12, 8, "better", False),
        (WHO5, 13, 10, -12, "worse", True),
        (WHO5, 13, 12, -4, "worse", False),
        # GAD-7: no minimal important change recorded
        (GAD7, 15, 5, -10, "better", False),
        (GAD7, 5, 15, 10, "worse", False),
    ],
)
def test_change_from_baseline(
    instrument: Instrument, before: int, after: int, delta: int, direction: str,
    meaningful: bool,
) -> None:
    change = change_from_baseline(instrument, scored(instrument, before),
                                  scored(instrument, after))
    assert (change.delta, change.direction, change.clinically_meaningful) == (
        delta, direction, meaningful)


def test_change_reports_its_scale_and_threshold() -> None:
    who5 = change_from_baseline(WHO5, scored(WHO5, 10), scored(WHO5, 13))
    assert (who5.scale, who5.threshold) == ("percentage", 10)
    gad7 = change_from_baseline(GAD7, scored(GAD7, 10), scored(GAD7, 9))
    assert (gad7.scale, gad7.threshold) == ("total", None)


def test_change_needs_two_complete_scores_of_the_same_instrument() -> None:
    incomplete = score(PHQ9, {"phq9_1": 1})
    with pytest.raises(ValueError, match="only complete"):
        change_from_baseline(PHQ9, incomplete, scored(PHQ9, 3))
    with pytest.raises(ValueError, match="only complete"):
        change_from_baseline(PHQ9, scored(PHQ9, 3), incomplete)
    with pytest.raises(ValueError, match="cannot be read as phq9"):
        change_from_baseline(PHQ9, scored(GAD7, 3), scored(PHQ9, 3))


# -- the loader ----------------------------------------------------------------------------

MINIMAL = """\
id: demo
name: Demo scale
citation: Nobody, 2024.
timeframe: Over the last 2 weeks
instructions: Tap one answer.
options:
  - {value: 0, label: No}
  - {value: 1, label: Yes}
items:
  - {id: demo_1, text: First}
  - {id: demo_2, text: Second}
scoring:
  method: sum
  higher_is_better: false
bands:
  - {id: low, label: Low, min: 0, max: 1}
  - {id: high, label: High, min: 2, max: 2}
alerts:
  - id: demo.second
    when: demo_2 > 0
    tier: low
    category: distress
    reason: said yes
"""


def test_a_minimal_file_loads() -> None:
    demo = instrument_from_yaml(MINIMAL, "demo.yaml")
    assert (demo.id, demo.short_name, demo.max_total) == ("demo", "Demo scale", 2)
    assert alerts(demo, {"demo_2": 1}, score(demo, {"demo_2": 1}))[0].rule_id == "demo.second"


def edit(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (edit("name: Demo scale", "nmae: Demo scale"), 2, "unknown key 'nmae'"),
        (edit("citation: Nobody, 2024.\n", ""), 1, "the file is missing 'citation'"),
        (edit("instructions: Tap one answer.", "instructions: Tap one.\nid: again"), 6,
         "duplicate key 'id'"),
        (edit("{value: 1, label: Yes}", "{value: 2, label: Yes}"), 8,
         "option values must count up by one"),
        (edit("{value: 1, label: Yes}", "{value: one, label: Yes}"), 8,
         "an option's value must be a whole number"),
        (edit("{id: demo_2, text: Second}", "{id: demo_3, text: Second}"), 11,
         "item 2 must have the id 'demo_2'"),
        (edit("{id: demo_2, text: Second}", "{id: demo_2, text: ''}"), 11,
         "an item's text must be a non-empty text"),
        (edit("method: sum", "method: mean"), 13, "scoring method must be one of sum"),
        (edit("higher_is_better: false", "higher_is_better: maybe"), 14,
         "higher_is_better must be true or false"),
        (edit("{id: high, label: High, min: 2, max: 2}",
              "{id: high, label: High, min: 3, max: 3}"), 17, "band 'high' must start at 2"),
        (edit("  - {id: high, label: High, min: 2, max: 2}\n", ""), 16,
         "bands stop at 1; they must reach the highest possible total 2"),
        (edit("{id: high, label: High, min: 2, max: 2}",
              "{id: high, label: High, min: 2, max: 9}"), 17, "past the highest possible"),
        (edit("when: demo_2 > 0", "when: demo_9 > 0"), 20, "'demo_9' is not 'total'"),
        (edit("when: demo_2 > 0", "when: demo_2 => 0"), 20, "condition 'demo_2 => 0' must read"),
        (edit("when: demo_2 > 0", "when: percentage < 10"), 20, "has no percentage score"),
        (edit("when: demo_2 > 0", "when: demo_2 > 5"), 20, "5 is outside the answer values"),
        (edit("tier: low", "tier: urgent"), 21, "tier must be one of none, low, moderate"),
        (edit("id: demo.second", "id: other.second"), 19, "must start with 'demo.'"),
        (edit("reason: said yes", "reason: [said, yes]"), 23,
         "an alert's reason must be a non-empty text"),
        (edit("  - {id: demo_2, text: Second}", "  - {id: demo_2, text: Second"), 12,
         "not valid YAML"),
    ],
)
def test_loader_errors_name_the_line_and_the_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(QuestionnaireFileError) as caught:
        instrument_from_yaml(text, "demo.yaml")
    problems = caught.value.problems
    assert any(p.file == "demo.yaml" and p.line == line and reason in p.reason
               for p in problems), str(caught.value)


def test_every_problem_in_an_instrument_is_reported_at_once() -> None:
    text = (MINIMAL.replace("{id: demo_2, text: Second}", "{id: demo_3, text: Second}")
            .replace("tier: low", "tier: urgent")
            .replace("method: sum", "method: mean"))
    with pytest.raises(QuestionnaireFileError) as caught:
        instrument_from_yaml(text, "demo.yaml")
    lines = [p.line for p in caught.value.problems]
    assert lines == sorted(lines) and len(lines) >= 2, str(caught.value)
    assert str(caught.value).count("demo.yaml:") == len(lines)


def test_load_instrument_names_the_file_and_wants_the_id_to_match_it(tmp_path: Path) -> None:
    file = tmp_path / "other.yaml"
    file.write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(QuestionnaireFileError, match=r"other\.yaml:1: id 'demo' must match"):
        load_instrument(file)
    good = tmp_path / "demo.yaml"
    good.write_text(MINIMAL, encoding="utf-8")
    assert load_instrument(good).id == "demo"


def test_an_unreadable_or_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireFileError, match=r"missing\.yaml:1: cannot be read"):
        load_instrument(tmp_path / "missing.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(QuestionnaireFileError, match=r"empty\.yaml:1: the file is empty"):
        load_instrument(empty)


def test_every_shipped_file_loads_on_its_own() -> None:
    files = sorted(QUESTIONNAIRES_DIR.glob("*.yaml"))
    assert [f.stem for f in files] == sorted(SHIPPED)
    for file in files:
        assert load_instrument(file) == SHIPPED[file.stem]


def test_parse_condition() -> None:
    assert parse_condition("phq9_9 > 0") == ("phq9_9", ">", 0)
    assert parse_condition("total>=20") == ("total", ">=", 20)
    with pytest.raises(ValueError):
        parse_condition("total is big")


# -- properties ----------------------------------------------------------------------------


@st.composite
def administrations(draw: st.DrawFn) -> tuple[Instrument, dict[str, int]]:
    instrument = draw(st.sampled_from(list(SHIPPED.values())))
    values = st.sampled_from([o.value for o in instrument.options])
    answered = draw(st.sets(st.sampled_from(instrument.item_ids)))
    return instrument, {item_id: draw(values) for item_id in answered}


@given(administrations())
def test_any_answers_score_within_range_and_complete_ones_find_a_band(
    case: tuple[Instrument, Mapping[str, int]],
) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    assert result.complete == (len(answers) == len(instrument.items))
    assert set(result.missing) == set(instrument.item_ids) - set(answers)
    if result.complete:
        assert result.total is not None
        assert instrument.min_total <= result.total <= instrument.max_total
        assert result.total == sum(answers.values())
        assert result.band == instrument.band_for(result.total).label
        if instrument.percentage_factor is not None:
            assert result.percentage == result.total * instrument.percentage_factor
            assert result.percentage is not None and 0 <= result.percentage <= 100
    else:
        assert result.total is None and result.band is None
    raised = alerts(instrument, answers, result)
    ranks = [int(a.tier) for a in raised]
    assert ranks == sorted(ranks, reverse=True)
    if instrument is PHQ9:
        assert any(a.category == "suicidality" for a in raised) == (
            answers.get("phq9_9", 0) > 0)


@given(st.sampled_from(list(SHIPPED.values())), st.data())
def test_change_is_antisymmetric(instrument: Instrument, data: st.DataObject) -> None:
    totals = st.integers(instrument.min_total, instrument.max_total)
    a = scored(instrument, data.draw(totals))
    b = scored(instrument, data.draw(totals))
    forward, back = change_from_baseline(instrument, a, b), change_from_baseline(instrument, b, a)
    assert forward.delta == -back.delta
    assert forward.clinically_meaningful == back.clinically_meaningful
    assert {forward.direction, back.direction} in ({"same"}, {"better", "worse"})
