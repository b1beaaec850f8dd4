"""German warning signs in the forms a new clinical writer used, with their everyday
look-alikes.

- Crisis: the last thing left open done after a will; a farewell for ever ("tschüss.
  für immer"), also to the therapist ("es lag nicht an Ihnen"); peace made and a day
  that has come; alcohol with pills and "tonight is the evening"; the dose known with the
  means at hand; standing on top of a car park; "if I don't come, you'll know why";
  someone in the house being beaten now, or children driven drunk towards a tree; too
  much taken and the signs coming; care of a child arranged for ever; things given away
  and the phone wiped.
- High: a decision without an object and the relief after it; things that speak, being
  chosen by God, a transmitter in the ear, someone following, whispering when nobody is
  there, everyone else remote-controlled; nights awake with hundreds of pages; litres of
  water and a head that bursts; a slap or hair torn out; wanting to ambush someone;
  needles stuck in again and again.
- Moderate: stimulant relapse and ecstasy at a party; a flashback that floors one, an
  empty shell, dissolving; "what's the point of it all", "nothing will ever be good".
- Low: a memory that hurt, an exercise that wore one out, a pet put down, doubt about the
  therapy, being thin-skinned.
- Everyday look-alikes for each: a goodbye before a flight, a wedding on Sunday, ibuprofen
  for a headache, a car parked on top of a car park, a train that is late, an evening
  looked forward to, too much planned, a goodbye for today, a flat chosen, a wardrobe
  cleared, an old phone sold, an insta follow, neighbours heard through the wall, water
  drunk on a hot day, staying in bed, a needle while sewing, no feeling after the
  dentist, pills taken back to the pharmacy, a check-in moved, an heirloom promised.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "testament ist unterschrieben, das war das letzte was noch offen war",
    "Ich wollte mich nur noch von Ihnen verabschieden. Es lag nicht an Ihnen, danke für alles.",
    "ciao ihr lieben. für immer",
    "alles gesagt und alles getan. macht's gut",
    "hab meinen frieden gemacht. am samstag ist es soweit",
    "eine flasche schnaps und die tavor stehen bereit. heute ist der abend",
    "whisky und die schlaftabletten liegen hier, heut nacht",
    "die tabletten von oma liegen hier. ich weiß genau wie viel ich brauch",
    "steh grad oben aufm parkhaus",
    "wenn ich am montag nicht zur sitzung komme, wisst ihr warum",
    "mein nachbar schlägt seine frau gerade, ich hör alles",
    "mein vater prügelt meinen bruder jetzt gerade im flur",
    "er ist betrunken und sagt er fährt mit den kindern gegen die wand",
    "hab zu viel genommen, mir ist schwindlig und alles dreht sich",
    "hab meiner mutter gesagt sie soll sich um die kleine kümmern, für immer",
    "morgen fahr ich ans meer. zurück komm ich nicht",
    "es ist 1:40. um 2 mach ichs. wollte nur dass es irgendwo steht",
]


@pytest.mark.parametrize("text", CRISES)
def test_farewells_means_and_emergencies_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


AT_LEAST_HIGH = [
    "war beim notar. jetzt ist das letzte was noch zu erledigen war auch erledigt, "
    "testament liegt bereit",
    "hab nachgerechnet wie viele schlaftabletten ich brauch",
    "sitz oben auf dem dach vom hochhaus. ganz ruhig hier",
    "meine kette und der ring sind im umschlag für meine tochter",
    "handy zurückgesetzt, die bilder an meine schwester geschickt. jetzt noch der rest",
    "die lebensversicherung zahlt auch bei suizid, hab nachgeschaut",
    "nächste woche werd ich 50. dann ist schluss, 50 jahre reichen",
    "bin so ruhig. hab mich entschieden.",
    "hab mich entschieden. fühlt sich richtig an, so leicht",
]


@pytest.mark.parametrize("text", AT_LEAST_HIGH)
def test_preparations_and_a_decision_with_relief_read_at_least_high(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


NOT_A_CRISIS = [
    "das letzte was noch offen war, war die steuererklärung. endlich!",
    "ich wollte mich nur noch verabschieden, ich fliege morgen für drei monate nach spanien",
    "tschüss für heute, bis morgen ihr lieben",
    "hab frieden mit meiner schwester gemacht, endlich",
    "heute ist der abend, auf den ich mich so gefreut hab",
    "ich weiß nie wie viele ibus ich brauch gegen kopfweh",
    "hab ausgerechnet wie viel mehl ich brauch für den kuchen",
    "wisst ihr warum der zug heute so spät ist?",
    "hab mir zu viel vorgenommen, bin schwindlig vor stress",
    "hab mich für die wohnung in köln entschieden und es fühlt sich richtig an",
    "bin erleichtert, hab mich entschieden, ich nehm den job",
    "hab alte klamotten verschenkt, der schrank war zu voll",
    "ich zieh nächsten monat nach wien. hab meine möbel verschenkt",
    "am wochenende fahren wir ans meer, zurück kommen wir sonntag",
    "nach der prüfung ist schluss, zwei jahre reichen mir an der uni",
]


@pytest.mark.parametrize("text", NOT_A_CRISIS)
def test_everyday_look_alikes_raise_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE


HIGH = [
    "seit der session sprechen die bäume mit mir",
    "die farben reden mit mir und gott hat mich auserwählt",
    "haben die mir ne wanze ins ohr gesetzt als ich auf mdma war? dieses piepen",
    "seit der sitzung folgt mir wer, jeden tag das gleiche auto",
    "ich hör jemand reden, aber keiner ist da",
    "ich bin die einzige die die wahrheit sieht",
    "die andern sind alle ferngesteuert, ich muss sie warnen",
    "4 nächte wach, schon 300 seiten geschrieben, ruf morgen den bundeskanzler an",
    "hab 3 liter wasser getrunken, mein kopf platzt und ich bin total neben der spur",
    "seit der sitzung kaum gepinkelt, mir is schwindlig",
    "meine mutter hat mir ne ohrfeige verpasst",
    "er hat mich an den haaren durch die wohnung geschleift",
    "würd dem typen am liebsten auflauern und ihn verprügeln",
    "hab mir absichtlich die sicherheitsnadel in den arm gestochen",
]


@pytest.mark.parametrize("text", HIGH)
def test_psychosis_medical_signs_abuse_and_harm_read_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


HIGH_LOOK_ALIKES = [
    "folgt mir wer auf insta?",
    "die leute sind alle ferngesteuert vom handy",
    "ich hör die nachbarn reden durch die wand",
    "zwei nächte wach wegen dem baby, bin total platt",
    "heute 3 liter wasser getrunken, fühl mich super",
    "würd am liebsten den ganzen tag im bett bleiben",
    "hab mir beim nähen ne nadel in den finger gestochen",
    "steh oben aufm parkhaus und such mein auto",
]


@pytest.mark.parametrize("text", HIGH_LOOK_ALIKES)
def test_their_everyday_look_alikes_stay_below_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier < Tier.HIGH


MODERATE = [
    "bin rückfällig geworden, wieder speed gezogen",
    "koks war wieder da, die ganze nacht",
    "aufm festival mdma geschmissen, war dumm",
    "hatte heute nen flashback und lag ne stunde auf dem boden",
    "fühl mich wie ne leere hülle",
    "kein gefühl, nix, nur leere",
    "ich lös mich auf, meine arme sehen aus wie fremde arme",
    "wozu das ganze eigentlich",
    "nichts wird jemals besser",
    "es wird nie besser, egal was ich versuch",
]


@pytest.mark.parametrize("text", MODERATE)
def test_relapse_dissociation_and_no_point_read_moderate(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.MODERATE


MODERATE_LOOK_ALIKES = [
    "nach der spritze beim zahnarzt kein gefühl mehr in der lippe",
    "ich lös mich auf vor lachen",
    "hab die alten tabletten in der apotheke abgegeben, gut so",
    "kann ich die sitzung auf nächste woche verschieben?",
    "wenn ich einmal nicht mehr bin, erbst du das haus",
    "hab in einer dunklen phase damals alles verschenkt, heute lach ich drüber",
]


@pytest.mark.parametrize("text", MODERATE_LOOK_ALIKES)
def test_numb_lips_laughter_returned_pills_and_heirlooms_raise_no_alert(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE


LOW = [
    "musste an meine oma denken, hat weh getan",
    "die übung gestern hat mich echt fertig gemacht",
    "hab meine katze einschläfern lassen müssen",
    "mir fehlt mein hund so",
    "bin unsicher ob die therapie was bringt",
    "bin so dünnhäutig grad",
]


@pytest.mark.parametrize("text", LOW)
def test_ordinary_hard_days_are_worth_a_glance(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.LOW


def test_a_dark_phase_now_is_not_the_past(screener: Screener) -> None:
    verdict = screener.screen("bin in einer dunklen phase und will nicht mehr leben", "de")
    assert verdict.tier >= Tier.HIGH


# The rules hold these below an alert; the learned layer, with the high head's threshold
# at 0.5 since the round of the `u` writers, raises them (a known limit, docs/screening.md).
RAISED_BY_THE_LAYER = [
    "am sonntag ist es soweit, die hochzeit! so aufgeregt",
    "hab mein altes handy zurückgesetzt und verkauft",
]


@pytest.mark.parametrize("text", RAISED_BY_THE_LAYER)
def test_look_alikes_the_layer_raises_stay_below_an_alert_by_the_rules(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de", learned=False).tier < Tier.MODERATE
