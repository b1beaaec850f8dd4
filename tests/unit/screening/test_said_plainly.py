"""Plain statements of the C-SSRS items, of means and of death as the only way left, said
the same in every language, and the everyday words that share their frame.

- A plan for one's own suicide, said as such, is a crisis, with or without a day named,
  however short the message; planning an event *about* suicide (a prevention talk), a
  holiday, a course's end or a move is not.
- A weapon at hand and the thought of turning it on oneself is ideation with a method: a
  crisis. "He'll use that against me" (in court, at work) is someone else's act.
- "I want to be dead", said now, is an active wish (high); "I would like to be dead,
  sometimes" stays a passive one (moderate).
- Death named as the only way left ("no other way out than death") is ideation, also
  when the words that say so are negatives ("keinen", "no veo", "ne ... pas"); the same
  frame around a fine, a tunnel or a move is not.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

# -- a plan --------------------------------------------------------------------------------

PLANS = [
    ("en", "I'm planning my suicide for next Tuesday."),
    ("de", "Ich plane meinen Suizid für nächsten Dienstag."),
    ("de", "Ich habe meinen Selbstmord geplant."),
    ("de", "Mein Suizid ist geplant, Samstag."),
    ("de", "ich plane mein ende"),
    ("es", "Estoy planeando mi suicidio para el martes."),
    ("es", "llevo semanas preparando mi muerte"),
    ("fr", "Je planifie mon suicide pour mardi prochain."),
    ("fr", "je prépare mon suicide depuis des semaines"),
]


@pytest.mark.parametrize(("lang", "text"), PLANS)
def test_a_plan_for_ones_own_suicide_is_a_crisis(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


NOT_PLANS = [
    ("en", "We planned a suicide prevention workshop for next Tuesday."),
    ("de", "Ich plane meinen Urlaub für nächsten Dienstag."),
    ("es", "Estoy preparando mi final de curso, mucho estrés"),
    ("es", "estamos organizando una charla sobre prevención del suicidio"),
    ("fr", "J'organise mon départ en vacances pour mardi."),
]


@pytest.mark.parametrize(("lang", "text"), NOT_PLANS)
def test_planning_an_event_about_suicide_or_an_everyday_thing_is_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.HIGH


# -- a weapon turned on oneself; wanting to be dead -----------------------------------------

TURNED = [
    ("en", "I have a gun at home and I've been thinking about using it on myself."),
    ("de", "Ich habe eine Waffe zu Hause und denke daran, sie gegen mich zu richten."),
    ("de", "Die Pistole liegt im Schrank. Ich will sie gegen mich richten."),
    ("es", "Tengo un arma en casa y pienso en usarla contra mí."),
    ("es", "la escopeta está en el garaje, quiero usarla contra mí"),
    ("fr", "J'ai une arme à la maison et je pense à la retourner contre moi."),
    ("fr", "le fusil est dans le placard, je vais le retourner contre moi"),
]


@pytest.mark.parametrize(("lang", "text"), TURNED)
def test_a_weapon_at_hand_turned_on_oneself_is_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


AGAINST_ME = [
    ("fr", "il va retourner ça contre moi au tribunal"),
    ("es", "mi ex va a usarlo contra mí en el juicio"),
]


@pytest.mark.parametrize(("lang", "text"), AGAINST_ME)
def test_something_used_against_me_by_someone_else_is_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


def test_wanting_to_be_dead_now_is_high_wishing_sometimes_is_moderate(
    screener: Screener,
) -> None:
    assert screener.screen("Je veux être morte.", "fr").tier == Tier.HIGH
    assert screener.screen("Je voudrais être morte parfois.", "fr").tier == Tier.MODERATE


# -- death as the only way left ---------------------------------------------------------------

ONLY_WAY = [
    ("en", "I see no other way out than death."),
    ("en", "there is no way out but death"),
    ("en", "The only way out is death, I've thought about it for weeks"),
    ("de", "Ich sehe keinen anderen Ausweg mehr als den Tod."),
    ("de", "Es gibt keine andere Lösung außer zu sterben."),
    ("de", "der einzige Ausweg ist der Tod"),
    ("es", "No veo otra salida que la muerte."),
    ("es", "la única salida es morirme"),
    ("fr", "je ne vois pas d'autre solution que de mourir"),
]


@pytest.mark.parametrize(("lang", "text"), ONLY_WAY)
def test_death_as_the_only_way_left_is_high(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier >= Tier.HIGH


EVERYDAY = [
    ("en", "no other option than to cancel the trip"),
    ("de", "es gibt keinen anderen Weg als durch den Tunnel"),
    ("es", "no hay otra salida que pagar la multa"),
    ("fr", "je ne vois pas d'autre solution que de déménager"),
]


@pytest.mark.parametrize(("lang", "text"), EVERYDAY)
def test_the_same_frame_around_an_everyday_thing_is_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


# -- a will: a farewell act, which other words make an alert ----------------------------------


def test_a_will_made_alone_is_a_farewell_act_and_with_more_it_is_an_alert(
    screener: Screener,
) -> None:
    """Making a will after a baby or a house is prudence; the same act beside exhaustion
    and pets placed, or a time, is an alert (the combination table, not one phrase)."""
    prudent = "Finished my will and life insurance paperwork after the baby came, feels grown up."
    assert screener.screen(prudent, "en").tier < Tier.MODERATE
    tired = "I updated my will today and made sure my cat goes to my sister. I'm so tired."
    assert screener.screen(tired, "en").tier >= Tier.HIGH
    assert screener.screen("wrote my will this morning. tonight it ends.", "en").tier == Tier.CRISIS
