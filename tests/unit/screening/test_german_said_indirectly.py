"""Warning signs said indirectly in German (and the same constructs in the other
languages where they were missing), with their everyday look-alikes.

- A will and a pet placed ("die Katze kommt zu Anna") with "danach ist Ruhe" (afterwards
  there is peace) is farewells with finality: a crisis. A will made because a flat was
  bought, or a cat with a sister during a holiday, is not.
- A last goodbye that nobody noticed was the last ("sie hat nicht gemerkt, dass es das
  letzte Mal war", "she didn't notice it was the last time") is a farewell and final; a
  grandfather's last visit remembered in grief is not.
- A day named alone ("Samstag.") is a set time in German as in English.
- Letting go of the steering wheel on the motorway is ideation.
- Fear of living on, or of waking, rather than of dying, and one's own coffin pictured as
  peace, are passive ideation (moderate); fear of living alone is not.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    (
        "de",
        "Ich hab den Termin beim Notar gemacht, Testament, und die Katze kommt zu Anna. "
        "Danach ist Ruhe.",
    ),
    (
        "de",
        "ich hab mich heute von meiner mutter verabschiedet, sie hat nicht gemerkt dass es "
        "das letzte mal war",
    ),
    ("en", "i said goodbye to my mum today, she didn't notice it was the last time"),
    ("de", "die entscheidung steht seit dienstag. samstag. die briefe sind geschrieben"),
    (
        "es",
        "fui al notario, testamento hecho, y el gato se va con ana. después, por fin paz.",
    ),
    (
        "fr",
        "rendez-vous chez le notaire fait, testament, et le chat ira chez anna. "
        "après, ce sera le calme.",
    ),
    (
        "fr",
        "aujourd'hui j'ai dit au revoir à ma mère, elle a pas remarqué que c'était la "
        "dernière fois",
    ),
    ("es", "ya lo decidí. el sábado. las cartas están escritas"),
]


@pytest.mark.parametrize(("lang", "text"), CRISES)
def test_farewells_with_an_end_or_a_day_are_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


EVERYDAY = [
    ("de", "waren heut beim notar, testament und so, weil wir jetzt das haus gekauft haben"),
    ("de", "morgen noch die präsentation, danach ist ruhe und urlaub"),
    ("en", "my mom didn't realise it was the last time she'd see her sister"),
    ("en", "said goodbye to my mum at the airport, she's off to spain for a month"),
    ("de", "samstag war schön, wir waren im zoo"),
    ("es", "el gato se va con mi hermana mientras estamos de vacaciones"),
    ("es", "después de los exámenes, por fin paz"),
]


@pytest.mark.parametrize(("lang", "text"), EVERYDAY)
def test_wills_holidays_grief_and_weekends_are_no_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


def test_a_grandfathers_last_visit_is_no_farewell(screener: Screener) -> None:
    # The rules read no farewell and no end in grief; the learned layer raises this text
    # to moderate on its words (a known limit, see docs/screening.md).
    text = "ich hab mich von opa verabschiedet, ich wusste nicht dass es das letzte mal war"
    verdict = screener.screen(text, "de", learned=False)
    assert verdict.tier == Tier.NONE


def test_letting_go_of_the_wheel_in_french_is_ideation(screener: Screener) -> None:
    verdict = screener.screen("je me surprends sur l'autoroute à penser lâcher le volant", "fr")
    assert "ideation" in verdict.constructs


def test_letting_go_of_the_wheel_is_ideation(screener: Screener) -> None:
    text = (
        "Ich ertappe mich dabei, wie ich auf der Autobahn überlege, "
        "einfach das Lenkrad loszulassen."
    )
    verdict = screener.screen(text, "de")
    assert "ideation" in verdict.constructs
    assert verdict.tier >= Tier.HIGH


PASSIVE = [
    ("de", "ich hab keine angst mehr vorm sterben. eher vorm weiterleben."),
    ("de", "Ich seh mich schon im Sarg liegen und es fühlt sich friedlich an."),
    ("en", "i'm not afraid of dying anymore. more of living on."),
    ("en", "i see myself lying in a coffin and it feels peaceful."),
    ("es", "me veo en un ataúd y me da paz"),
    ("fr", "j'ai peur de me réveiller demain matin, encore une journée"),
    ("es", "ya no le tengo miedo a la muerte. más miedo me da seguir."),
]


@pytest.mark.parametrize(("lang", "text"), PASSIVE)
def test_fear_of_living_on_and_ones_coffin_are_passive_ideation(
    screener: Screener, lang: str, text: str
) -> None:
    verdict = screener.screen(text, lang)
    assert "wish_dead" in verdict.constructs
    assert verdict.tier >= Tier.MODERATE


def test_fear_of_living_alone_is_no_wish_to_die(screener: Screener) -> None:
    verdict = screener.screen(
        "ich hab angst vorm leben allein, seit die kinder ausgezogen sind", "de"
    )
    assert "wish_dead" not in verdict.constructs
