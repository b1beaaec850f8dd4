"""High-tier signs said plainly in Spanish and French (and the same in English and German
where they were missing), with their everyday look-alikes.

- A voice telling the writer to kill themself is a command hallucination (high).
- An ex following the writer everywhere and waiting at the door is a safety risk (high);
  a sister following on Instagram is not.
- Crossing the road without looking, on purpose, is risk-taking meant as ideation.
- Alcohol taken together with sleeping pills or benzodiazepines is an overdose risk:
  moderate as a habit, high while it is happening; a glass of wine with dinner before the
  night's pill, or a pharmacist's warning, is not.
- "j'ai réfléchi à comment je le ferais" (I've thought about how I'd do it) is ideation,
  and so are intrusive images of oneself hanging.
- After a session, a fever with confusion is a medical sign; a fever last week and some
  confusion about the days is not. An urge to hit one's child is harm to others.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

HIGH = [
    ("es", "escucho a alguien que me dice que no valgo nada y que me mate"),
    ("es", "mi ex me sigue a todas partes y anoche estaba en mi puerta"),
    ("es", "no me importa si me pasa algo, cruzo la calle sin mirar a propósito"),
    ("fr", "je traverse sans regarder exprès, je m'en fous s'il m'arrive un truc"),
    ("en", "i cross the road without looking on purpose, don't care if something happens"),
    ("de", "ich geh absichtlich bei rot über die straße ohne zu schauen, ist mir egal"),
    ("fr", "j'ai réfléchi à comment je le ferais, avec des médicaments, mais j'ai pas de date"),
    ("en", "i'm drinking right now and just took my sleeping pills with it"),
    ("en", "since the session i've had a huge fever, shaking and confused"),
    ("en", "i feel like hitting my son when he cries, it scares me"),
    ("en", "i keep getting images of myself hanging"),
]


@pytest.mark.parametrize(("lang", "text"), HIGH)
def test_plain_alerts_are_high(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier >= Tier.HIGH


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "been drinking since this morning and mixed it with my sleeping pills"),
        ("fr", "j'ai bu depuis ce matin et j'ai mélangé avec mes somnifères"),
    ],
)
def test_alcohol_with_sleeping_pills_is_at_least_moderate(
    screener: Screener, lang: str, text: str
) -> None:
    verdict = screener.screen(text, lang)
    assert verdict.tier >= Tier.MODERATE
    assert "medical" in verdict.categories


EVERYDAY = [
    ("es", "mi hermana me sigue en instagram"),
    ("en", "had a glass of wine with dinner and then took my sleeping pills at 11"),
    ("en", "the pharmacist said never to mix alcohol with sleeping pills"),
    ("fr", "il ne faut pas mélanger l'alcool et les somnifères, a dit la pharmacienne"),
    ("es", "cruzo la calle sin mirar el móvil, lo intento siempre"),
    ("en", "pictures of me hanging out with the girls in ibiza"),
    ("en", "my son wants to hit the park after school"),
    ("en", "had a fever last week, was a bit confused about the days but fine now"),
]


@pytest.mark.parametrize(("lang", "text"), EVERYDAY)
def test_everyday_look_alikes_are_no_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


GERMAN_HIGH = [
    "ich bin sicher dass mein nachbar mich durch die wand beobachtet",
    "mein ex verfolgt mich überall und gestern stand er vor meiner tür",
    "ich hab den drang mit dem auto in den gegenverkehr zu fahren",
]


@pytest.mark.parametrize("text", GERMAN_HIGH)
def test_german_paranoia_stalking_and_traffic_urges_are_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "mein sohn verfolgt mich überall in der wohnung, so süß",
        "heute wäre ich fast in den gegenverkehr geraten, zum glück nichts passiert",
        "die polizei hat den täter verfolgt, stand in der zeitung",
    ],
)
def test_a_toddler_a_near_miss_and_the_news_are_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE


MODERATE = [
    ("es", "a veces me pregunto si alguien notaría que ya no estoy"),
    ("es", "ya no siento nada, ni tristeza ni alegría, nada"),
    ("en", "i don't feel anything anymore, not sad, not happy, nothing"),
]


@pytest.mark.parametrize(("lang", "text"), MODERATE)
def test_numbness_and_would_anyone_notice_are_moderate(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier >= Tier.MODERATE


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "after the injection i don't feel anything anymore in my leg"),
        ("es", "ya no siento nada de dolor en la rodilla"),
    ],
)
def test_the_rules_read_no_numbness_in_a_leg_or_a_knee(
    screener: Screener, lang: str, text: str
) -> None:
    # the learned layer raises both to moderate on their words (a known limit)
    verdict = screener.screen(text, lang, learned=False)
    assert "dissociation" not in verdict.categories
