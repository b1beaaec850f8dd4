"""Warning signs said indirectly, the same in every language, and the everyday words that
share them.

- "Doing it" with nothing to say what "it" is, is a decision, not intent to die: "the
  dishes? I'll do it later" is no alert. Beside a wish to die, means or a time it still
  weighs, and "I want to die. I'm going to do it tonight" stays a crisis.
- Others relieved of worry once one is gone ("nobody will have to worry about me") is
  perceived burdensomeness; said beside an end ("soon it will finally be over") it is an
  alert.
- Not going on any more, said of oneself beside an end ("it's over. I'm not going on
  anymore") is an alert; quitting a course or a trip is not.
- Means already there ("la cuerda ya está en el garaje", "jai les cachets ici") with a time
  is a crisis; the week's pills are not.
- A day that is set ("tomorrow's the day") with farewells is a crisis; a first day at a
  new job is not.
- A farewell made "in case something happens to me" is made: the case is its reason, not
  a doubt about it. Alone it is worth a glance, beside exhaustion an alert; letters before
  surgery stay below moderate.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

# -- "doing it" --------------------------------------------------------------------------

DOING_IT_EVERYDAY = [
    ("en", "the dishes? i'll do it later"),
    ("en", "I'll do it tomorrow"),
    ("en", "homework is piling up, gonna do it tonight"),
    ("en", "I'm going to do it. I'm going to ask her out"),
    ("en", "gonna go through with it, the wedding i mean"),
    ("en", "I'm going through with it, the divorce papers are signed"),
]


@pytest.mark.parametrize(("lang", "text"), DOING_IT_EVERYDAY)
def test_doing_it_without_what_is_no_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier < Tier.HIGH


DOING_IT_WITH_DEATH = [
    ("en", "I want to die. I'm going to do it tonight"),
    ("en", "pills are saved. gonna do it sunday"),
    ("en", "the cord snapped an hour ago. i'm going to do it properly this time"),
]


@pytest.mark.parametrize(("lang", "text"), DOING_IT_WITH_DEATH)
def test_doing_it_beside_death_or_means_is_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


# -- nobody will have to worry -----------------------------------------------------------

RELIEVED_WITH_AN_END = [
    ("en", "soon it'll finally be over and nobody will have to worry about me anymore"),
    ("de", "bald ist es endlich vorbei und keiner muss sich mehr um mich sorgen"),
    ("es", "pronto todo va a terminar y nadie tendrá que preocuparse más por mí"),
    ("fr", "bientôt ce sera fini et personne n'aura plus à s'inquiéter pour moi"),
]


@pytest.mark.parametrize(("lang", "text"), RELIEVED_WITH_AN_END)
def test_others_relieved_of_worry_beside_an_end_is_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    verdict = screener.screen(text, lang)
    assert verdict.tier >= Tier.HIGH
    assert "burden" in verdict.constructs or verdict.tier == Tier.CRISIS


RELIEVED_ALONE = [
    ("de", "niemand muss sich mehr um mich kümmern"),
    ("es", "nadie tendrá que preocuparse por mí"),
    ("fr", "personne n'aura plus à s'inquiéter pour moi"),
]


@pytest.mark.parametrize(("lang", "text"), RELIEVED_ALONE)
def test_others_relieved_of_worry_alone_is_passive_ideation(
    screener: Screener, lang: str, text: str
) -> None:
    verdict = screener.screen(text, lang)
    assert verdict.tier >= Tier.MODERATE
    assert "burden" in verdict.constructs


# -- not going on ------------------------------------------------------------------------

NOT_GOING_ON = [
    ("en", "it's over. i'm not going on anymore"),
    ("de", "es ist vorbei. ich mach nicht mehr weiter"),
    ("es", "se acabó. ya no sigo"),
]


@pytest.mark.parametrize(("lang", "text"), NOT_GOING_ON)
def test_not_going_on_beside_an_end_is_an_alert(screener: Screener, lang: str, text: str) -> None:
    verdict = screener.screen(text, lang)
    assert verdict.tier >= Tier.HIGH
    assert {"finality", "hopelessness"} <= set(verdict.constructs)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "c'est fini, je veux plus continuer"),
        ("fr", "j'en peux plus, je veux plus continuer"),
    ],
)
def test_not_going_on_is_read_as_giving_up(screener: Screener, lang: str, text: str) -> None:
    verdict = screener.screen(text, lang)
    assert verdict.tier >= Tier.MODERATE
    assert "hopelessness" in verdict.constructs


QUITTING_SOMETHING = [
    ("de", "ich mach nicht mehr weiter mit dem kurs, zu teuer"),
    ("es", "ya no sigo con el gimnasio, muy caro"),
    ("fr", "je veux plus continuer le yoga, c'est trop cher"),
    ("en", "the battery has no energy left"),
]


@pytest.mark.parametrize(("lang", "text"), QUITTING_SOMETHING)
def test_quitting_a_course_or_a_trip_is_not_giving_up_on_life(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


# -- means already there; a day that is set ----------------------------------------------

MEANS_THERE_WITH_A_TIME = [
    ("es", "la cuerda ya está en el garaje. mañana temprano"),
    ("fr", "jai les cachets ici, ce soir je les prends tous"),
    ("en", "made my will and the letters are on the desk. tomorrow's the day"),
]


@pytest.mark.parametrize(("lang", "text"), MEANS_THERE_WITH_A_TIME)
def test_means_there_or_farewells_with_a_set_time_are_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


EVERYDAY_THINGS_THERE = [
    ("fr", "j'ai les médocs ici pour la semaine"),
    ("en", "tomorrow's the day, first day at the new job!"),
]


@pytest.mark.parametrize(("lang", "text"), EVERYDAY_THINGS_THERE)
def test_the_weeks_pills_or_a_first_day_are_no_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.HIGH


def test_a_jump_off_the_sofa_is_no_method(screener: Screener) -> None:
    assert (
        screener.screen("i literally jumped off the sofa when they scored", "en").tier < Tier.HIGH
    )


@pytest.mark.parametrize(
    "text",
    [
        "thinking about jumping off the bridge tonight",
        "i keep thinking of jumping from the top floor of the car park",
    ],
)
def test_a_jump_from_a_height_is_ideation_with_a_method(screener: Screener, text: str) -> None:
    verdict = screener.screen(text, "en")
    assert verdict.tier == Tier.CRISIS
    assert "ideation" in verdict.constructs


# -- "in case something happens to me" ---------------------------------------------------

IN_CASE = [
    ("en", "wrote letters to my kids in case something happens to me"),
    ("de", "hab briefe an meine kinder geschrieben, falls mir was passiert"),
    ("es", "escribí cartas a mis hijos por si me pasa algo"),
    ("fr", "j'ai écrit des lettres à mes enfants au cas où il m'arriverait quelque chose"),
]


@pytest.mark.parametrize(("lang", "text"), IN_CASE)
def test_a_farewell_made_just_in_case_is_still_a_farewell(
    screener: Screener, lang: str, text: str
) -> None:
    """The case is the reason for the act, not a doubt about it: the letters are written."""
    verdict = screener.screen(text, lang)
    assert "farewell" in verdict.constructs
    assert verdict.tier >= Tier.LOW


def test_a_farewell_just_in_case_beside_exhaustion_is_an_alert(screener: Screener) -> None:
    text = "wrote letters to my kids in case something happens to me. i'm so tired of fighting"
    assert screener.screen(text, "en").tier >= Tier.HIGH


def test_letters_before_surgery_are_no_alert(screener: Screener) -> None:
    text = "wrote letters to my kids in case something happens during the surgery"
    assert screener.screen(text, "en").tier < Tier.MODERATE
