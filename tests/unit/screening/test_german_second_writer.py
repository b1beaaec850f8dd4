"""German warning signs in the families a second clinical writer's statements showed
missing, each with its everyday look-alikes.

- Crisis: a ligature round the neck or fixed to a door now; everything at home taken,
  more taken "so that it is enough", blades beside a running bath; a goodbye nobody
  noticed, a pet or plants handed over for ever, love passed on through someone else
  because one "can't do it oneself any more", a whole collection given away with "I won't
  need it anyway" in dialect.
- High: a named day "on which I go", a rope or fuel bought, a parent's gun with the key
  taken, "so that nobody stops me"; being watched, a device listening, the radio or TV
  speaking of one, a voice giving orders; after a dose an irregular heart with no air,
  fainting, a head that bursts with confusion; a near slap; the urge to cut now; nights
  without sleep and no need of it.
- Moderate: tired of life in dialect, "I'm sick of living", not wanting to live on;
  relapse said as starting again or clean time thrown away.
- Everyday look-alikes: a scarf in the cold, a bath run for pleasure, a cardigan bought,
  fuel for the mower, a cat minded during a holiday, slipping away from a dull party,
  help asked for a move, books given away for space, a vase or a bike that tipped over,
  a heart racing with joy, the weather on the radio, a hoarse voice, hungry children,
  a missed bus, a baby's nights, a haircut, an office joke about the Wi-Fi, a course on
  recognising warning signs in friends, a second helping of dessert.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "hab mir nen gürtel um den hals gelegt, sitz im flur",
    "das kabel ist schon an der türklinke festgebunden",
    "hab alles geschluckt was ich im schrank gefunden hab",
    "hab die ganze flasche schnaps hinterher getrunken damit es sicher reicht",
    "rasierklingen liegen am rand und die badewanne ist eingelassen",
    "hab mich von allen verabschiedet ohne dass es einer gemerkt hat. für immer",
    "den hund hab ich meiner schwester gebracht. sie weiß nicht, dass es für immer ist",
    "bin fertig mit den briefen. sagt meinem sohn dass ich ihn lieb hab, "
    "ich schaff das nicht mehr selber",
    "i hob mei ganze sammlung verschenkt. brauch i eh nimma",
]


@pytest.mark.parametrize("text", CRISES)
def test_acts_under_way_and_farewells_for_ever_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


HIGH = [
    "freitag ist der tag, an dem ich gehe.",
    "hab mir heut einen strick besorgt",
    "spiritus gekauft, nicht für den grill",
    "ich weiß wo mein vater die waffe hat, und den schlüssel hab ich eingesteckt",
    "ich lächle allen zu, damit mich niemand aufhält",
    "mein laptop hört mich ab, ich weiß es",
    "im fernsehen haben sie gestern über mich gesprochen",
    "die nachbarn überwachen mich seit wochen",
    "eine stimme hat gesagt, ich soll vom balkon",
    "herz stolpert die ganze zeit und ich krieg kaum luft seit der kapsel",
    "bin nach der einnahme zweimal weggekippt",
    "mein kopf fühlt sich an als würde er gleich platzen und ich bin ganz verwirrt",
    "fast hätt ich ihm eine gescheuert, gestern",
    "drei nächte ohne schlaf und brauch keinen, gründe gerade zwei firmen",
]


@pytest.mark.parametrize("text", HIGH)
def test_plans_psychosis_medical_signs_and_harm_read_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


MODERATE = [
    "bin so müd vom leben",
    "bin es so leid zu leben",
    "leben mag ich nicht mehr, sterben auch nicht",
    "hab wieder angefangen mit dem kiffen",
    "ein jahr trocken und gestern alles versaut",
]


@pytest.mark.parametrize("text", MODERATE)
def test_weariness_of_life_and_relapse_read_moderate(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.MODERATE


LOOK_ALIKES = [
    "wollte nur sagen, ich hab den schal um den hals, ist eisig",
    "die badewanne läuft, gleich gibts ein schaumbad",
    "das ist der tag, an dem ich gehe und in rente bin",
    "hab mir eine strickjacke gekauft",
    "kanister benzin geholt für den rasenmäher",
    "hab die katze zu meinem bruder gebracht, ich bin zwei wochen im urlaub",
    "ich bin gegangen, ohne dass es jemand gemerkt hat, die party war langweilig",
    "ich schaff das nicht mehr selbst, kannst du mir beim umzug helfen?",
    "alte bücher verschenkt, das regal war zu voll",
    "die vase ist umgekippt",
    "bin mit dem rad umgekippt, knie aufgeschürft",
    "mein herz rast vor freude, sie hat ja gesagt",
    "im radio haben sie über das wetter gesprochen",
    "meine stimme ist heute heiser",
    "die kinder gucken mich an, weil sie hunger haben",
    "hätt fast den bus verpasst",
    "kein schlaf wegen dem baby, brauch dringend urlaub",
    "will mir die haare schneiden lassen",
    "Meine Kollegin: 'ich bring mich um, wenn das wlan noch einmal ausfällt' haha",
    "Im Kurs haben wir gelernt, wie man Suizidgedanken bei Freunden anspricht.",
    "hab nochmal was genommen vom nachtisch, war lecker",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_everyday_look_alikes_raise_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier <= Tier.LOW
