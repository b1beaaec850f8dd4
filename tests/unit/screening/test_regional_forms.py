"""Warning signs as they are written in Switzerland, Austria, Bavaria and Québec, and the
everyday words of those places that share them.

- Swiss and Austrian German write an article or "zu" onto the next word ("d'Tablette",
  "z'Nacht"): the word is read without it.
- "no" is the Austrian and Bavarian "noch" ("i bring mi heit no um": I'll still do it
  today), not a negation; "nö" written without its umlaut is the same word, so "nö" is no
  longer a negator.
- German separable verbs in both positions ("knüpf ich mich auf", "werf alle tabletten auf
  einmal ein") and its euphemisms ("mich selbst erlösen", "mich abmelden von allem"); the
  formal "meinem Leiden ein Ende bereiten" and "mettre un terme à mes souffrances".
- Dialect forms of the same constructs: no desire to live ("kei luscht meh z'läbe"),
  throwing oneself in front of a train ("i hau mi vor den zug"), all the pills ("i nimm
  alli tablette"), pills together and ready ("beinand", "parat"), on the bridge ("uf de
  brugg", "auf da bruckn"), a rope bought ("seil kauft"), better off without me ("besser
  dra ohni mi"), when nobody is home ("wenn niemer dehei isch"), a pet placed.
- Québec French: "chu su'l pont" is being on the bridge; "jaimerais disparaître" the
  same wish as "j'aimerais disparaître".
- A rope bought for a stated everyday purpose ("para el columpio") is not means acquired.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    ("de", "i bring mi hüt z'nacht um"),
    ("de", "han mer es seil kauft. hüt obe wenn niemer dehei isch"),
    ("de", "i nimm hüt z'nacht alli tablette wo i ha"),
    ("de", "hob de tabletten beinand. heit auf d'nocht"),
    ("de", "steh auf da bruckn. is eh wurscht jetzt"),
    ("de", "i stah uf de brugg und luege abe. sorry"),
    ("de", "i hau mi vor den zug morgn in da fruah"),
    ("fr", "chu su'l pont là. désolée tout le monde"),
    ("es", "compré una soga. hoy a la noche cuando no haya nadie"),
]


@pytest.mark.parametrize(("lang", "text"), CRISES)
def test_a_crisis_in_regional_forms_is_a_crisis(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


ALERTS = [
    ("de", "heut nacht knüpf ich mich auf"),
    ("de", "heute werf ich alle tabletten auf einmal ein"),
    ("de", "ich seh keinen sinn mehr und will mich selbst erlösen"),
    ("de", "ich will mich einfach nur noch abmelden von allem"),
    ("de", "Ich habe mir vorgenommen, meinem Leiden ein Ende zu bereiten."),
    ("fr", "Je me suis promis de mettre un terme à mes souffrances."),
    ("de", "i ha kei luscht meh z'läbe"),
    ("de", "i bring mi heit no um"),
    ("de", "morn isch de tag. han alles organisiert, d'katz isch bi minere schwöschter"),
]


@pytest.mark.parametrize(("lang", "text"), ALERTS)
def test_ideation_in_regional_forms_is_an_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier >= Tier.HIGH


PASSIVE = [
    ("de", "alli wäred besser dra ohni mi"),
    ("de", "olle warn bessa dran ohne mi"),
    ("de", "i wü nur no weg sei"),
    ("fr", "jaimerais juste disparaitre"),
]


@pytest.mark.parametrize(("lang", "text"), PASSIVE)
def test_passive_ideation_in_regional_forms_is_moderate(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier >= Tier.MODERATE


def test_the_austrian_no_is_noch_not_a_negation(screener: Screener) -> None:
    verdict = screener.screen("i bring mi heit no um", "de")
    assert "ideation" in verdict.constructs
    assert not verdict.set_aside


def test_a_clitic_article_is_read_off_the_word(screener: Screener) -> None:
    verdict = screener.screen("d'tablette ligged parat. hüt isch es so wit", "de")
    assert {"means", "timeframe"} <= set(verdict.constructs)


EVERYDAY = [
    ("de", "i bi hüt so müed, i cha nüm, gang is bett"),
    ("de", "i mag nimma arbeiten heit, gnua für heit"),
    ("de", "morn isch de tag, d'prüefig, drück mer d'dume"),
    ("de", "hob ma heit a neichs seil fürn klettersteig kauft"),
    ("de", "mir stöhnd uf de brugg und luege s'feuerwerk a"),
    ("fr", "on est su'l pont du bateau, il fait beau"),
    ("fr", "j'ai pu de lait, faut aller à l'épicerie"),
    ("es", "compré una soga para el columpio de los nenes"),
    ("en", "bought a rope for the hammock"),
    ("de", "ich knüpf mir die schuhe auf"),
    ("de", "ich melde mich für immer vom newsletter ab"),
    ("de", "Die Physiotherapie soll meinem Leiden mit dem Knie ein Ende bereiten."),
]


@pytest.mark.parametrize(("lang", "text"), EVERYDAY)
def test_everyday_regional_words_are_no_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE
