"""French warning signs said in everyday words, with their everyday look-alikes.

- Means set out in front of the writer with a wait for the children to sleep, a plan
  known in full ("je sais comment et je sais quand") with the relief of having decided,
  and a date the writer set with a mask of "everything is fine" are a crisis; a date set
  to stop smoking is not.
- Care arranged under a cover story ("elle croit que je pars en stage"), keys left with
  a letter and "demain elle comprendra", things given away with "ils vont comprendre plus
  tard", a pet placed "pour toujours" with food for months, and an envelope for the
  children with the bank codes are farewells with an ending: a crisis. Pets kept during
  a holiday, children minded for a weekend, an account deleted over ads are not.
- Violence happening now, written from hiding (a child beaten, a door broken in, a weapon
  at the door, "je saigne", "aidez-moi") is a crisis; a knock at the door is not.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "j'ai les trois plaquettes devant moi. j'attends que les petits soient couchés",
    "Je sais comment et je sais quand. Je suis soulagée d'avoir tranché.",
    "Je me suis choisi une date. D'ici là je fais comme si tout allait bien.",
    "Ma sœur croit que je pars en stage. Quand elle rentrera je ne serai plus là.",
    "J'ai laissé les clés de l'appart à ma cousine avec une lettre. Demain elle comprendra.",
    "j'ai tout donné mes affaires, j'en ai pu besoin de rien. ils vont comprendre plus tard",
    "Elle garde le chien « pour le week-end ». Elle ne sait pas que c'est pour toujours, "
    "je lui ai laissé les croquettes pour six mois.",
    "Une enveloppe pour mes filles est dans le buffet, avec les codes du compte. "
    "Je n'ai plus peur de rien.",
    "il a défoncé ma porte, je saigne, aidez moi",
    "il est derrière la porte avec un couteau, chui enfermée dans la cave",
]

EVERYDAY = [
    "Je me suis fixé une date pour arrêter de fumer : le 1er janvier.",
    "Depuis la thérapie je n'ai plus peur de rien, même plus des araignées.",
    "Ça fait du bien d'avoir décidé de changer de boulot !",
    "Il comprendra plus tard pourquoi on l'a inscrit au foot.",
    "Ma voisine va garder mes deux chats pendant les vacances, je pars en Grèce samedi.",
    "Je te confie mes enfants ce week-end, on rentre dimanche soir.",
    "il est devant la porte avec des fleurs, trop mignon",
    "Ma mère croit que je pars en séminaire mais c'est un week-end entre filles.",
]


@pytest.mark.parametrize("text", CRISES)
def test_plans_farewells_and_violence_now_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier == Tier.CRISIS


@pytest.mark.parametrize("text", EVERYDAY)
def test_dates_pets_weekends_and_quizzes_are_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier < Tier.MODERATE


def test_a_last_answer_in_a_quiz_is_no_farewell_to_the_rules(screener: Screener) -> None:
    # The rules read one sign of calm and nothing final; the learned layer raises the
    # words "dernière réponse" (a known limit, docs/screening.md).
    text = "C'est ma dernière réponse au quiz, j'ai plus de questions à me poser."
    assert screener.screen(text, "fr", learned=False).tier < Tier.MODERATE


# The rules hold these below an alert; the learned layer, with the high head's threshold
# at 0.5 since the round of the `u` writers, raises them (a known limit, docs/screening.md).
RAISED_BY_THE_LAYER = [
    "J'ai supprimé mon compte facebook, trop de pubs. Je respire.",
]


@pytest.mark.parametrize("text", RAISED_BY_THE_LAYER)
def test_look_alikes_the_layer_raises_stay_below_an_alert_by_the_rules(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "fr", learned=False).tier < Tier.MODERATE
