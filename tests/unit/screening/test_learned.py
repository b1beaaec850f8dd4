"""The learned layer: what it reads, that it can only raise a verdict, that it explains
itself with the participant's own words, and that the shipped weights are the ones the
development cases train."""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from array import array
from pathlib import Path

import pytest

from bot.domain.screening import ScreeningRuleError, Tier
from bot.domain.screening.learned import (
    HEADS,
    Head,
    LearnedModel,
    feature_names,
    reading,
    slot,
    slots,
)
from prompts.screening_loader import build_screener, default_screener
from prompts.screening_model import MODEL_DIR, load_model, write_model

ROOT = Path(__file__).resolve().parents[3]
BUCKETS = 1 << 10


def flat(buckets: int, value: float = 0.0) -> array[float]:
    return array("f", [value]) * buckets


def constant_model(logit: float, buckets: int = BUCKETS) -> LearnedModel:
    """A model whose every head gives ``logit`` whatever the text (for wiring tests)."""
    heads = tuple(Head(t, flat(buckets), logit, 0.5) for t in HEADS)
    return LearnedModel(buckets, heads, flat(buckets, 1.0))


def screener_with(model: LearnedModel):  # type: ignore[no-untyped-def]
    return build_screener(model=model)


# -- what the layer reads ---------------------------------------------------------------


def test_features_are_words_pairs_and_letter_pieces_with_spans() -> None:
    names = list(feature_names("saved pills"))
    assert ("w:saved", 0, 5) in names and ("w:pills", 6, 11) in names
    assert ("b:saved pills", 0, 11) in names
    assert ("c: pil", 6, 11) in names  # pieces of the word padded with spaces
    assert ("c:lls ", 6, 11) in names
    assert all("c:" + p in {n for n, _, _ in names} for p in (" sa", "save", "aved "))


def test_emoji_are_features_and_punctuation_is_not() -> None:
    names = {n for n, _, _ in feature_names("done. 💊💊")}
    assert "w:💊" in names and "w:." not in names


def test_the_remembered_hashing_gives_exactly_the_described_features() -> None:
    text = "ya tengo las pastillas juntadas, el domingo se termina todo. todo."
    expected = sorted({slot(n, BUCKETS) for n, _, _ in feature_names(text)})
    assert slots(text, BUCKETS) == expected


def test_the_hash_is_fixed_crc32_so_weights_mean_the_same_everywhere() -> None:
    assert slot("w:pills", 1 << 18) == zlib.crc32(b"w:pills") % (1 << 18)


# -- it can only raise, and it says why --------------------------------------------------


def test_a_layer_that_says_nothing_leaves_every_verdict_as_the_rules_gave_it() -> None:
    quiet = screener_with(constant_model(-50.0))
    rules = build_screener(learned=False)
    for text in ("I've saved my pills and tonight is the night", "walked the dog", "I'm sad"):
        assert quiet.screen(text, "en") == rules.screen(text, "en")


def test_a_layer_that_fires_raises_but_never_lowers() -> None:
    loud = screener_with(constant_model(50.0))
    verdict = loud.screen("walked the dog by the lake", "en")
    assert verdict.tier is HEADS[-1] and verdict.learned is not None
    crisis = "I've saved my pills and tonight is the night"
    assert loud.screen(crisis, "en").tier is Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to die anymore",  # negation
        "my friend said she wants to die, we called the helpline together",  # someone else
        "I used to want to die every day, not any more",  # the past
        "Ich will nicht sterben",  # a negator between the words
    ],
)
def test_it_stays_quiet_where_the_rules_read_a_cue_about_the_words(text: str) -> None:
    """The layer cannot read negation, the past or whose words they are; the rules can."""
    loud = screener_with(constant_model(50.0))
    rules = build_screener(learned=False).screen(text)
    assert rules.discounted
    assert loud.screen(text).tier == rules.tier


@pytest.mark.parametrize(
    ("text", "lang"),
    [("this commute is killing me lol", "en"), ("je suis mort de rire", "fr")],
)
def test_it_stays_quiet_where_a_figure_of_speech_occurs(text: str, lang: str) -> None:
    loud = screener_with(constant_model(50.0))
    assert loud.screen(text, lang).tier == build_screener(learned=False).screen(text, lang).tier


def test_evidence_quotes_the_participants_own_words() -> None:
    buckets = 1 << 12
    weights = flat(buckets)
    for name, _, _ in feature_names("pastillas"):
        weights[slot(name, buckets)] = 3.0
    head = Head(Tier.HIGH, weights, -1.0, 0.5)
    model = LearnedModel(
        buckets, (Head(Tier.MODERATE, weights, -1.0, 0.5), head), flat(buckets, 1.0)
    )
    text = "Ya tengo las PASTÍLLAS en el cajón"
    verdict = screener_with(model).screen(text, "es")
    assert verdict.tier >= Tier.HIGH
    quoted = [e for e in verdict.evidence if e.rule.startswith("model.")]
    assert "PASTÍLLAS" in [e.text for e in quoted]
    assert all(text[slice(*e.span)] == e.text for e in quoted)


def test_alone_the_layer_needs_its_stricter_threshold_to_raise_to_high() -> None:
    """A text in which nothing clinical was found ("still thinking about the session")
    reaches high on the layer's word only when it clears the stricter threshold; where
    the rules found something worth a glance, the ordinary threshold applies."""
    p_high = 0.8  # logit ln(4)
    heads = tuple(
        Head(
            t, flat(BUCKETS), math.log(p_high / (1 - p_high)), 0.5, 0.9 if t is Tier.HIGH else None
        )
        for t in HEADS
    )
    model = LearnedModel(BUCKETS, heads, flat(BUCKETS, 1.0))
    screener = screener_with(model)
    assert screener.screen("walked the dog by the lake", "en").tier is Tier.MODERATE
    assert model.tier("walked the dog", alone=False)[0] is Tier.HIGH
    assert model.tier("walked the dog", alone=True)[0] is Tier.MODERATE
    sad = "I'm sad today and the rain won't stop"
    found = build_screener(learned=False).screen(sad, "en")
    assert found.tier >= Tier.LOW
    assert screener.screen(sad, "en").tier is Tier.HIGH


def test_it_reads_what_the_rules_found_beside_the_words() -> None:
    rules = build_screener(learned=False)
    # finality and a time: the table has no row that makes these two high on their own
    read = reading(rules.screen("this is my last entry, tomorrow it ends for me", "en"))
    assert "k:finality" in read and "k:timeframe" in read
    assert "k:finality+timeframe" in read
    assert read[-1].startswith("t:")  # the tier the rules gave
    # set aside, and why: "when I was 15 I wanted to die" is the writer's past
    past = reading(rules.screen("when I was 15 I wanted to die every single day", "en"))
    assert any(name.startswith("kb:") and name.endswith(":past") for name in past)
    # a phrase rule's category and tier
    phrase = rules.screen("I want to kill myself", "en")
    assert any(name.startswith("r:suicidality:") for name in reading(phrase))


def test_a_method_or_means_at_hand_is_not_read_alone() -> None:
    # the table holds "my pills are ready" low on purpose: an errand and a plan read alike
    rules = build_screener(learned=False)
    errand = reading(rules.screen("I have my pills ready for the week", "en"))
    assert not any(name.startswith("k:") for name in errand)
    planned = reading(rules.screen("the pills are ready. tomorrow it ends.", "en"))
    assert any(name.startswith("k:means+") or "+means" in name for name in planned)


def test_a_combination_the_table_lacks_can_raise_a_text_once_cases_show_it() -> None:
    """A head that learned that finality beside a time matters raises such a text, in
    any language, whatever its words; without that reading it stays where the rules put
    it."""
    weights = flat(BUCKETS)
    weights[slot("k:finality+timeframe", BUCKETS)] = 400.0
    heads = tuple(Head(t, weights if t is Tier.HIGH else flat(BUCKETS), -4.0, 0.5) for t in HEADS)
    model = LearnedModel(BUCKETS, heads, flat(BUCKETS, 1.0))
    text = "c'est ma dernière entrée, demain tout s'arrête pour moi"
    read = reading(build_screener(learned=False).screen(text, "fr"))
    assert "k:finality+timeframe" in read
    assert model.tier(build_screener(learned=False).normalise(text).text, reading=read)[0] is (
        Tier.HIGH
    )
    assert model.tier(text)[0] is Tier.NONE


@pytest.mark.parametrize("text", ["I couldn't sleep last night", "walked the dog", "ok"])
def test_texts_of_fewer_than_six_words_are_left_to_the_rules(text: str) -> None:
    """Five words give a bag of words too little to go on; the rules read them whole."""
    loud = screener_with(constant_model(50.0))
    assert loud.screen(text, "en") == build_screener(learned=False).screen(text, "en")


def test_the_same_text_always_gets_the_same_answer() -> None:
    model = load_model()
    assert model is not None
    text = "regalé mi guitarra a mi primo, total ya no la voy a necesitar"
    assert model.probabilities(text) == model.probabilities(text)


# -- the weights on disk ------------------------------------------------------------------


def test_weights_round_trip_and_a_damaged_file_is_named(tmp_path: Path) -> None:
    heads = [(Tier.HIGH, {3: 1.5, 900: -2.0}, -0.5, 0.7, 0.9)]
    write_model(tmp_path, BUCKETS, {3: 2.0, 900: 1.5}, 4.0, heads, "abc")
    model = load_model(tmp_path)
    assert model is not None and model.version == "abc"
    (head,) = model.heads
    assert head.tier is Tier.HIGH and head.weights[3] == 1.5 and head.weights[900] == -2.0
    assert head.threshold == 0.7 and head.alone == pytest.approx(0.9)
    assert model.idf_squared[3] == 4.0 and model.idf_squared[5] == 16.0  # unseen: 4.0²
    blob = (tmp_path / "weights.bin").read_bytes()
    (tmp_path / "weights.bin").write_bytes(blob[:-4])
    with pytest.raises(ScreeningRuleError, match=r"heads\.json"):
        load_model(tmp_path)


def test_no_model_files_means_no_learned_layer(tmp_path: Path) -> None:
    assert load_model(tmp_path) is None


def test_the_shipped_weights_were_trained_on_the_development_cases_as_they_are() -> None:
    """Changing dev.jsonl without retraining (scripts/train_screening_model.py) fails here."""
    meta = json.loads((MODEL_DIR / "heads.json").read_text("utf-8"))
    dev = ROOT / "tests" / "screening_data" / "dev.jsonl"
    assert meta["trained_on_sha256"] == hashlib.sha256(dev.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "text",
    [
        "walked the dog by the lake, saw a heron",
        "Heute mit meiner Schwester Kuchen gebacken, war schön",
        "hoy fui al mercado con mi hija, buen día",
        "journée tranquille, j'ai lu au soleil",
    ],
)
def test_everyday_entries_are_left_alone(text: str) -> None:
    assert default_screener().screen(text).tier is Tier.NONE


# Ordinary integration reflections share the vocabulary of the hardest entries (the
# session, the medicine, memories, dreams, the body, the therapist) without any concern in
# them. Neither the rules nor the layer may make an alert of them: a false alert teaches a
# therapist to skim, and a participant who is flagged for writing "still thinking about the
# session" learns to write less.
EVERYDAY_INTEGRATION = [
    "Still thinking about the session.",
    "The lighthouse dream came back.",
    "Thinking a lot about what came up on Tuesday. Not ready to write it down yet.",
    "slept 9 hours, first time in ages",
    "the memory of the accident felt further away today, like watching it through glass but calm",
    "my therapist asked me to notice my body more. shoulders tense at work, loosened after a walk",
    "I cried in the car after the integration session, good tears I think",
    "Called my brother. We talked about dad for the first time in years.",
    "Noch immer in Gedanken bei der Sitzung.",
    "Der Traum vom Leuchtturm kam wieder, diesmal ohne Angst.",
    "Nach der Integrationssitzung lange spazieren gewesen, der Kopf ist ruhiger.",
    "Habe heute zum ersten Mal über den Einsatz gesprochen, ohne zu zittern.",
    "sigo pensando en la sesión",
    "volvió el sueño del faro, pero esta vez no me desperté asustada",
    "hoy lloré un rato después de la terapia, pero fue un llanto que alivia",
    "hablé con mi mamá de lo que pasó cuando era niña, me sentí escuchada",
    "je repense encore à la séance",
    "séance d'intégration aujourd'hui, je me sens fatiguée mais légère",
    "j'ai parlé de l'accident avec ma thérapeute sans paniquer, c'est nouveau",
]


@pytest.mark.parametrize("text", EVERYDAY_INTEGRATION)
def test_integration_reflections_with_therapy_words_raise_no_alert(text: str) -> None:
    assert default_screener().screen(text).tier < Tier.MODERATE


def test_a_dream_come_back_tonight_is_no_alert_to_the_rules() -> None:
    # The learned layer, its high head at 0.5 since the round of the `u` writers, raises
    # this one on "cette nuit" beside a dream's words (p = 0.50): a known limit,
    # docs/screening.md. The rules read a time and nothing else.
    text = "le rêve du phare est revenu cette nuit, plus doux"
    assert default_screener().screen(text, learned=False).tier < Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "I keep going back to the moment in the session when the music changed",
        "my mind keeps going back to what my therapist said about the younger me",
    ],
)
def test_returning_to_a_moment_of_the_session_is_not_a_low_day(text: str) -> None:
    # returning to what happened in a session is the work of integration, not distress:
    # it is not flagged at all, or every digest would be full of ordinary reflections
    assert default_screener().screen(text).tier is Tier.NONE
