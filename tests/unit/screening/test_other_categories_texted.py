"""The categories beside suicide, as people text them in the four languages, and the
everyday sentences that share their words.

- Burning oneself with a lighter or a cigarette is self-harm (high); a burn from the oven
  or the sun is not, and a burn or a blow given by someone else stays abuse.
- Thinking again and again of stabbing a named person is harm to others (high); a film's
  plot is not.
- Someone smashing things and coming for the writer now is a crisis.
- After a session: body temperature out of control with confusion, or vomiting with a
  bursting head, are the medical warning signs of MDMA (high).
- Nights without sleep beside a mission or "everything is connected" is mania (high); the
  same insight after a good night's sleep is not.
- A brother's hug, the voices of a book club, sweat at hot yoga, disappearing under a
  blanket, sleeping forever on Sundays, a whole box of chocolates or tub of ice cream and
  finishing all the pending work are no alert; a whole box of pills is a crisis.
- "Me quiero quitar de en medio" (Spain's euphemism) is passive ideation; stepping aside
  so that others can talk is not.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

ALERTS = [
    ("de", "ich verbrenn mich mit dem feuerzeug wenns schlimm wird", "self_harm"),
    ("fr", "je me brûle avec le briquet quand ça va mal", "self_harm"),
    ("es", "no paro de pensar en apuñalar a mi padrastro", "harm_to_others"),
    ("fr", "je pense tout le temps à poignarder mon beau-père", "harm_to_others"),
    ("en", "since the session my body temp is crazy, sweating buckets and confused", "medical"),
    (
        "de",
        "seit der sitzung ist meine temperatur verrückt, schwitz wie blöd und bin verwirrt",
        "medical",
    ),
    ("de", "kotz seit der sitzung den ganzen tag und mein kopf platzt", "medical"),
    ("es", "vomito todo el día desde la sesión y me explota la cabeza", "medical"),
    (
        "de",
        "schlaf seit 4 nächten nicht, hab eine mission, alles hängt zusammen",
        "psychosis_mania",
    ),
]


@pytest.mark.parametrize(("lang", "text", "category"), ALERTS)
def test_other_categories_texted_are_alerts(
    screener: Screener, lang: str, text: str, category: str
) -> None:
    verdict = screener.screen(text, lang)
    assert verdict.tier >= Tier.HIGH
    assert category in verdict.categories


BURNED_BY_SOMEONE = [
    ("de", "er hat mich mit der zigarette verbrannt weil ich zu spät kam"),
    ("de", "er hat mich mit dem gürtel geschlagen"),
    ("fr", "mon copain m'a brûlé la main au four exprès, il dit que je l'ai cherché"),
]


@pytest.mark.parametrize(("lang", "text"), BURNED_BY_SOMEONE)
def test_a_burn_or_a_blow_by_someone_else_stays_abuse(
    screener: Screener, lang: str, text: str
) -> None:
    verdict = screener.screen(text, lang)
    assert verdict.tier >= Tier.HIGH
    assert "abuse_safety" in verdict.categories


def test_someone_smashing_things_and_coming_for_the_writer_is_a_crisis(
    screener: Screener,
) -> None:
    verdict = screener.screen("hes downstairs smashing things and said hes coming up for me", "en")
    assert verdict.tier == Tier.CRISIS
    assert "abuse_safety" in verdict.categories


EVERYDAY = [
    ("de", "hab mich am herd verbrannt"),
    ("de", "ich verbrenn mich immer in der sonne"),
    ("fr", "je me suis brûlée au four"),
    ("es", "la serie trata de un tipo que piensa en matar a su jefe"),
    ("fr", "dans le film il pense à tuer son patron"),
    ("en", "the temperature outside is crazy today"),
    ("de", "in der sitzung hab ich gesehen, wie alles zusammenhängt. hab gut geschlafen"),
    ("en", "my brother grabbed me in a hug at the airport"),
    ("en", "the voices in my book club are so different, love it"),
    ("en", "sweating buckets at hot yoga"),
    ("en", "i want to disappear under a blanket all weekend"),
    ("en", "i wish i could sleep forever on sundays"),
    ("en", "ate the whole box of chocolates lol"),
    ("fr", "j'ai avalé toute la boîte de chocolats"),
    ("es", "me tomé todo el bote de helado jaja"),
    ("es", "quiero acabar con todo el trabajo pendiente hoy"),
    ("es", "me quito de en medio, que tienen que hablar ustedes"),
]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "took the whole box of pills"),
        ("fr", "j'ai avalé toute la boîte de cachets"),
        ("es", "me tomé todo el bote de pastillas"),
    ],
)
def test_a_whole_box_of_pills_swallowed_is_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


def test_wanting_to_get_out_of_the_way_is_passive_ideation(screener: Screener) -> None:
    verdict = screener.screen("me quiero quitar de en medio", "es")
    assert verdict.tier >= Tier.MODERATE


@pytest.mark.parametrize(("lang", "text"), EVERYDAY)
def test_everyday_sentences_sharing_their_words_are_no_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE
