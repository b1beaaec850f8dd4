"""The construct layer, from clinical meaning: pieces a clinician listens for, weighed in
their clause, combined by the table into a tier; and the files that define them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.screening import ScreeningRuleError, Tier
from bot.domain.screening.evaluation import CaseFileError, evaluate, read_cases, render
from bot.domain.screening.signals import Combination, combine, parse_term, rule_constructs
from bot.domain.screening.signals import stemmer as snowball
from prompts.screening_loader import build_screener, default_screener
from prompts.signals_loader import load_combinations, load_lexicon, load_lexicons


@pytest.fixture(scope="module")
def screen():  # type: ignore[no-untyped-def]
    s = default_screener()
    return lambda text, lang="en": s.screen(text, lang)


# -- indirect crisis language: no suicide word, the pieces together -----------------------


@pytest.mark.parametrize(
    "text",
    [
        "the pills are saved up. sunday it ends.",  # means + a set time
        "loaded the gun and put it in the drawer. this is the end.",  # means + finality
        "wrote letters to my kids and my sister. this is my last entry",  # farewell + finality
    ],
)
def test_means_farewell_and_finality_together_are_a_crisis(screen, text: str) -> None:  # type: ignore[no-untyped-def]
    assert screen(text).tier is Tier.CRISIS


def test_the_combination_that_set_the_tier_is_named(screen) -> None:  # type: ignore[no-untyped-def]
    verdict = screen("the pills are saved up. sunday it ends.")
    assert verdict.combination is not None and verdict.combination.startswith("means+")
    assert any(e.rule == f"combine.{verdict.combination}" for e in verdict.evidence)
    assert any(e.rule == "en.construct.means" for e in verdict.evidence)


def test_each_piece_alone_is_not_a_crisis(screen) -> None:  # type: ignore[no-untyped-def]
    assert screen("I'm done with this essay, finally").tier < Tier.HIGH
    # A method's name alone is an errand, never an alert; the learned layer, which reads
    # "picked", "pills" as it reads them in overdoses, may still ask for a glance.
    assert screen("picked up my sleeping pills from the pharmacy").tier < Tier.HIGH
    assert screen("picked up my sleeping pills from the pharmacy").combination is None
    assert screen("see you on sunday at the session").tier is Tier.NONE


def test_active_ideation_with_a_time_is_a_crisis_even_after_a_dash(screen) -> None:  # type: ignore[no-untyped-def]
    assert screen("I will kill myself tonight - zero hope left").tier is Tier.CRISIS
    assert screen("I will kill myself tonight, zero hope left").tier is Tier.CRISIS


def test_a_checklist_answer_cancels_only_what_it_answers(screen) -> None:  # type: ignore[no-untyped-def]
    assert screen("Suicidal thoughts: none").tier < Tier.MODERATE


def test_passive_ideation_is_moderate(screen) -> None:  # type: ignore[no-untyped-def]
    verdict = screen("honestly i wish i could just not wake up")
    assert verdict.tier is Tier.MODERATE
    assert "wish_dead" in verdict.constructs


# -- context: who is speaking, when, and whether it is denied --------------------------------


def test_negation_before_a_construct_removes_it(screen) -> None:  # type: ignore[no-untyped-def]
    assert screen("I'm not suicidal, just exhausted").tier < Tier.HIGH


def test_someone_elses_risk_is_not_the_writers(screen) -> None:  # type: ignore[no-untyped-def]
    verdict = screen("my friend said she wants to die, I stayed with her all night")
    assert verdict.tier < Tier.HIGH


def test_a_song_or_a_film_is_not_the_writer_now(screen) -> None:  # type: ignore[no-untyped-def]
    assert screen("that song about wanting to disappear forever is on repeat").tier < Tier.MODERATE


def test_explain_names_what_blocked_a_construct() -> None:
    found = default_screener().read_constructs("I would never end it all", "en")
    assert found and all(f.blocked_by == "negation" for f in found)


# -- the table ---------------------------------------------------------------------------------


def test_the_highest_row_wins_and_the_first_on_a_tie() -> None:
    table = [
        Combination("a", (frozenset({"means"}),), Tier.LOW, ("suicidality",)),
        Combination("b", (frozenset({"means"}), frozenset({"finality"})), Tier.CRISIS, ()),
        Combination("c", (frozenset({"means", "x"}), frozenset({"finality"})), Tier.CRISIS, ()),
    ]
    assert combine(frozenset({"means"}), table) is table[0]
    assert combine(frozenset({"means", "finality"}), table) is table[1]
    assert combine(frozenset({"finality"}), table) is None


def test_phrase_rules_feed_the_table_at_their_tier_and_below() -> None:
    got = rule_constructs([("suicidality", Tier.HIGH)])
    assert {"suicidality>=high", "suicidality>=moderate", "suicidality>=low"} <= got
    assert "suicidality>=crisis" not in got


def test_stemming_covers_inflections() -> None:
    term = parse_term("farewell", "goodbye letter", "en", snowball("english"))
    assert snowball("english")("letters") in term.elements[1].words
    spanish = parse_term("farewell", "cartas de despedida", "es", snowball("spanish"))
    assert snowball("spanish")("despedirme") in spanish.elements[2].words


# -- the files ----------------------------------------------------------------------------------


def test_every_shipped_lexicon_and_the_table_load() -> None:
    lexicons = load_lexicons()
    assert {lex.language for lex in lexicons} >= {"en"}
    constructs = frozenset(t.construct for lex in lexicons for t in lex.terms)
    rows = load_combinations(constructs=constructs)
    assert any(r.tier is Tier.CRISIS for r in rows)


def refusals(tmp_path: Path, text: str) -> list[str]:
    """The lines of the refusal a lexicon file holding ``text`` is met with."""
    path = tmp_path / "xx.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScreeningRuleError) as caught:
        load_lexicon(path)
    return str(caught.value).splitlines()


def test_a_broken_lexicon_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    lines = refusals(
        tmp_path,
        "language: xx\nstemmer: english\ncolour: red\nconstructs:\n"
        "  means:\n    - '.. pills'\n    - 'a|| b'\n  ideation:\n    - 'pr* x'\n",
    )
    assert len(lines) == 4
    assert ":3: unknown key 'colour'" in lines[0]
    assert ":6:" in lines[1] and "gap" in lines[1]
    assert ":7:" in lines[2] and "empty alternative" in lines[2]
    assert ":9:" in lines[3] and "shorter than 3" in lines[3]


def test_alternatives_written_as_phrases_are_refused_with_their_line(tmp_path: Path) -> None:
    # "a|b" is one word's alternatives: "kein ausweg|kein licht" is the three words
    # "kein", "ausweg or kein", "licht", which never match "kein Ausweg"
    lines = refusals(
        tmp_path,
        "language: xx\nstemmer: german\nconstructs:\n  hopelessness:\n"
        "    - 'kein ausweg|kein licht'\n    - 'les arruino|arruino la vida'\n"
        "    - 'kein ausweg|licht'\n    - 'um =23|=22 =00|=30'\n    - 'um =0|=22 =00|=22'\n",
    )
    assert len(lines) == 2  # the one-word alternatives and the times load
    assert ":5:" in lines[0] and "'kein' in two places in a row" in lines[0]
    assert ":6:" in lines[1] and "'arruino' twice in one place" in lines[1]
    assert "write one term per phrase" in lines[0]


@pytest.mark.parametrize(
    ("lang", "text", "construct"),
    [
        ("de", "Ich sehe einfach kein Licht mehr", "hopelessness"),
        ("de", "Ich stehe gerade auf der Brücke", "means"),
        ("de", "Wenn ich nicht mehr da bin, nehmt die Katze", "finality"),
        ("fr", "Quand je ne serai plus là, prends soin de maman", "finality"),
        ("fr", "Je n'ai plus aucun espoir", "hopelessness"),
        ("es", "Ya no tiene ningún sentido nada", "hopelessness"),
        ("en", "I keep looking up ways to die", "ideation"),
    ],
)
def test_phrases_once_written_as_alternatives_are_found(
    lang: str, text: str, construct: str
) -> None:
    # each of these was a term whose "a|b" stood for two phrases, and so never matched
    found = default_screener().read_constructs(text, lang)
    assert construct in {f.construct for f in found if f.blocked_by is None}


def test_a_table_naming_an_unknown_construct_says_where(tmp_path: Path) -> None:
    path = tmp_path / "combinations.yaml"
    path.write_text(
        "combinations:\n  - id: x\n    when: [means, 'moonlight']\n    tier: crisis\n"
        "  - id: y\n    when: ['sadness>=high']\n    tier: urgent\n",
        encoding="utf-8",
    )
    with pytest.raises(ScreeningRuleError) as caught:
        load_combinations(path, frozenset({"means"}))
    text = str(caught.value)
    assert ":3: unknown construct 'moonlight'" in text
    assert ":7:" in text and "unknown tier 'urgent'" in text


# -- the evaluation command -----------------------------------------------------------------


def test_eval_counts_recall_and_false_alarms_per_language() -> None:
    lines = [
        '{"id": "1", "text": "I am going to kill myself tonight", "label": "crisis", "lang": "en"}',
        '{"id": "2", "text": "lovely walk by the river", "label": "benign", "lang": "en"}',
        '{"id": "3", "text": "me voy a matar esta noche", "label": "crisis", "lang": "es"}',
    ]
    report = evaluate(default_screener().screen, read_cases(lines))
    crisis = report.rows[0]
    assert (crisis.cases, crisis.hits) == (2, 2)
    assert report.rows[-1].cases == 1 and report.rows[-1].hits == 0
    assert set(report.by_language) == {"en", "es"}
    assert "language es" in render(report)


def test_eval_names_the_bad_line() -> None:
    with pytest.raises(CaseFileError, match="line 2"):
        list(read_cases(['{"id": 1, "text": "x", "label": "none"}', '{"text": "x"}']))
    with pytest.raises(CaseFileError, match="unknown tier"):
        list(read_cases(['{"id": 1, "text": "x", "label": "scary"}']))


def test_two_farewell_acts_weigh_more_than_one() -> None:
    # The table alone: the learned layer may read a single farewell act higher.
    screener = build_screener(learned=False)
    one = screener.screen("gave my guitar to my brother", "en")
    two = screener.screen("gave my guitar to my brother and found a home for my cat", "en")
    assert one.tier < Tier.HIGH <= two.tier
    assert two.combination == "farewells"


def test_someone_named_before_and_does_not_take_over_the_next_clause(screen) -> None:  # type: ignore[no-untyped-def]
    found = default_screener().read_constructs(
        "gave my guitar to my brother and found a home for my cat", "en"
    )
    assert [f.blocked_by for f in found if f.construct == "farewell"] == [None, None]


# -- words written to help someone else ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "I read your post. I've been where you are and wanted to end it too, years ago. "
            "You're not alone, please call a crisis line tonight.",
            "en",
        ),
        ("Si estás pensando en quitarte la vida, llamá al 135. No estás sola.", "es"),
        ("ton message m'a touchée. tu n'es pas seule, appelle le 3114 si tu penses à partir", "fr"),
        ("Du bist nicht allein. Wenn du an Suizid denkst, ruf die Telefonseelsorge an.", "de"),
    ],
)
def test_a_reply_written_to_help_someone_else_stays_low(text: str, lang: str) -> None:
    verdict = default_screener().screen(text, lang)
    assert verdict.tier <= Tier.LOW
    assert verdict.discounted  # and the learned layer stays quiet


def test_a_peer_who_says_me_too_speaks_for_themself(screen) -> None:  # type: ignore[no-untyped-def]
    assert screen("I read your post and me too, I have the pills ready for tonight").tier >= (
        Tier.HIGH
    )


def test_one_helping_phrase_quoted_does_not_hide_a_plan(screen) -> None:  # type: ignore[no-untyped-def]
    assert screen("my therapist says you're not alone. the rope is ready for tonight").tier is (
        Tier.CRISIS
    )
