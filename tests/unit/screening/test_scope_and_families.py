"""Who the words belong to, and the pieces of indirect crisis language, in four languages.

Each case is written from clinical meaning: a crisis stated before a dash keeps its tier;
someone else's wish to die, suicide as a topic, a date long ago and a figure of speech are
not the writer's risk now; means laid out with finality, or a method stated as final with
despair, are a crisis even when no suicide word is used.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

# -- a cue governs its own clause: what follows a dash does not cancel a crisis ------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'm going to end my life tonight - no hope at all", "en"),
        ("esta noche me quito la vida - ninguna esperanza ya", "es"),
        ("ce soir je mets fin a mes jours - plus aucun espoir", "fr"),
        ("heute nacht nehm ich mir das leben - keine hoffnung mehr", "de"),
    ],
)
def test_a_negator_after_a_dash_does_not_cancel_the_intent_before_it(
    screener: Screener, text: str, lang: str
) -> None:
    assert screener.screen(text, lang).tier is Tier.CRISIS


# -- someone else's words ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("my neighbour told me he wanted to end it all, so we rang his doctor together", "en"),
        ("mi vecina me dijo que queria acabar con todo, la acompane al medico", "es"),
        ("mon voisin m'a dit qu'il voulait en finir, on a appele son medecin ensemble", "fr"),
    ],
)
def test_someone_elses_wish_to_end_it_is_theirs(screener: Screener, text: str, lang: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("our class lost a teacher to suicide last spring", "en"),
        ("the lecturer quoted a philosopher on suicide and we argued about it", "en"),
        ("trabajo final de la carrera: un ensayo sobre la conducta suicida en adolescentes", "es"),
        ("on a etudie en cours un poeme sur le suicide", "fr"),
        ("mein referat im studium geht über suizid im alter", "de"),
    ],
)
def test_suicide_as_a_topic_is_not_the_writers_risk(
    screener: Screener, text: str, lang: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


# -- the past, even on an anniversary -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("there was a time i kept a stash of pills hidden. that was 2016, life is good now", "en"),
        ("hoy hace ocho anos que intente suicidarme. estoy agradecida de seguir aqui", "es"),
        ("heute vor acht jahren hab ich versucht mich umzubringen. bin dankbar", "de"),
    ],
)
def test_an_act_long_ago_stays_in_the_past_even_when_remembered_today(
    screener: Screener, text: str, lang: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


# -- figures of speech ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("esa reunion me mato, necesito un cafe", "es"),
        ("me mato de la risa ese meme del gato", "es"),
        ("plutot mourir que d'aller a la piscine municipale un samedi", "fr"),
        ("ces horaires vont nous faire crever, trois nuits de suite", "fr"),
        ("tonight's the night! first concert in ten years", "en"),
    ],
)
def test_figures_of_speech_are_not_intent(screener: Screener, text: str, lang: str) -> None:
    assert screener.screen(text, lang).tier < Tier.HIGH


# -- indirect crisis language: pieces without a suicide word -----------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("the blades are sharpened. this is the end for me", "en"),
        ("la navaja ya esta afilada. es el final para mi", "es"),
        ("la corde est deja accrochee au grenier. c'est la fin", "fr"),
        ("das seil hängt schon im keller. das ist das ende", "de"),
    ],
)
def test_means_laid_out_with_finality_is_a_crisis(
    screener: Screener, text: str, lang: str
) -> None:
    assert screener.screen(text, lang).tier is Tier.CRISIS


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("paid off the loan, chose the songs for my funeral. this is my last message", "en"),
        ("elegi las canciones para mi funeral. esta es mi ultima entrada", "es"),
    ],
)
def test_farewell_acts_stated_as_the_last_are_a_crisis(
    screener: Screener, text: str, lang: str
) -> None:
    assert screener.screen(text, lang).tier is Tier.CRISIS


def test_a_first_person_word_inside_the_words_keeps_them_the_writers(
    screener: Screener,
) -> None:
    verdict = screener.screen("des que mon coloc part au boulot j'en finis", "fr")
    assert verdict.tier >= Tier.HIGH


# -- someone else's words in quotation marks, and the writer's own -------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("my nephew yelled 'i want to die' when the wifi went down", "en"),
        ("mi hija grito 'me quiero morir' porque perdio su equipo", "es"),
        ("ma petite m'a dit 'je veux mourir' parce qu'on rentrait du parc", "fr"),
        ("mein kleiner sagte 'ich will sterben' wegen der hausaufgaben", "de"),
    ],
)
def test_someone_elses_quoted_words_are_theirs(screener: Screener, text: str, lang: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE
    assert screener.screen(text, None).tier < Tier.MODERATE  # the language guessed


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("i finally told my therapist 'i want to kill myself' and she listened", "en"),
        ("j'ai dit 'je veux mourir' a ma psy hier", "fr"),
        ("ich sagte zu ihr 'ich will mich umbringen'", "de"),
    ],
)
def test_the_writers_own_quoted_words_still_count(
    screener: Screener, text: str, lang: str
) -> None:
    assert screener.screen(text, lang).tier >= Tier.HIGH
