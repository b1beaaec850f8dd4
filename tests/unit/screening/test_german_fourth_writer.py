"""German crises in the families a fourth clinical writer's statements showed missing,
each with its everyday look-alikes.

- Crisis: someone who threatened to stab or kill the writer standing there now with a
  knife, threatening with a weapon, or on the way over with one; the pills already "in",
  the whole insulin injected, cleaning fluid drunk; in the bath with clothes on, or a blade
  and "I've already started"; a note on the door: don't come in, call the police; a pet
  bequeathed with a cover story of moving away, or said yes when asked about moving after
  giving everything away; following a dead spouse "now"; everything planned (when, where,
  with what) and sleeping through since it is settled; the last entry, then thanks passed
  on; an hour tonight and "End."; heat stroke or a fever over 40 with legs that will not
  move or double vision; a cord on a hook or beam, tested, it holds; a blade and "not
  superficial, lengthwise this time"; the tree known and the tank full, the low railing
  with a day, the height of a floor measured, a rope already hanging with everything
  finished, letters to be read at 18, a message that nobody could have noticed, "tonight
  is closing time, no drama, I'm just done"; decided and light since, with a day.
- High: a plan of when, where and with what, with no time named; wanting to go to a dead
  parent or spouse, with no time named.
- Everyday look-alikes: cooking with a knife, a cook threatening to quit, a knife packed
  for a picnic, a pill box filled, insulin injected as usual, cleaner poured down the toilet,
  reading in the bath, a note asking for quiet, advice after a burglary, a move told truly,
  visiting a grave, a planned party or holiday, the last entry before a holiday, a shift
  ending at night, hot weather in a car, a hammock or punching bag on a hook, cutting a
  courgette lengthwise, a tree from childhood, a low balcony railing with grandchildren
  coming, a ceiling measured, a job chosen with relief.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    (
        "mein freund hat gedroht er sticht mich ab. jetzt steht er unten vor "
        "der haustür mit nem messer"
    ),
    "sie hat geschrien sie will mich umbringen, sie wartet im flur mit dem küchenmesser",
    "er steht mit ner axt vor der tür und hat gesagt er knallt mich ab",
    "er bedroht mich und die kinder mit einer pistole, wir sind im schlafzimmer",
    "mein exmann hat geschrieben er ist auf dem weg zu uns, er hat eine waffe dabei",
    "mein ex is unterwegs zu mir, er hat ne knarre dabei",
    "sie hat ein messer eingesteckt und ist unterwegs hierher, hat sie am telefon gesagt",
    "hab grad 25 zopiclon genommen, sind schon drin. wie lange dauert das",
    "hab 40 ibus geschluckt, sind schon unten",
    "die ganze packung schlaftabletten is unten, mir wird schon schwindlig",
    "flasche wodka und alle benzos drin, wird schon duselig",
    "hab den ganzen insulinpen gespritzt, wollt nur dass es wer weiß",
    "mei gsamtes insulin gspritzt",
    "500 einheiten gespritzt. sorry",
    "hab ein glas abflussreiniger getrunken, es brennt so",
    "ne flasche frostschutzmittel runter. mir is übel",
    "hab die halbe flasche weichspüler ausgetrunken",
    "klinge liegt auf dem wannenrand, ich hab schon angefangen.",
    "sitz mit allen klamotten in der wanne, das wasser wird rot",
    "an der badtür hängt ein zettel: nicht reinkommen, notarzt rufen",
    "zettel an der tür: nicht reinkommen. ruft die polizei",
    "bitte nicht reingehen, sofort 112 anrufen. steht auch auf dem zettel",
    (
        "meinem neffen die katze vermacht. hab allen erzählt ich geh für ein "
        "jahr nach kanada. stimmt nicht"
    ),
    (
        "hab dem nachbarn meine fische vermacht und der familie erzählt ich "
        "zieh nach australien. is gelogen"
    ),
    (
        "hab alles verschenkt, was mir was bedeutet. mein bruder hat gefragt, "
        "ob ich wegziehe, und ich hab ja gesagt"
    ),
    "mein papa ist vor zwei jahren gestorben und heute nacht folge ich ihm",
    "seit mama gestorben ist will ich nur zu ihr. morgen bin ich bei ihr",
    "opa is letzten monat gestorben. i geh jetzt zu eam",
    "hab es alles genau geplant, wann, wo und womit. morgen ist der tag",
    "letzter beitrag von mir. richtet meiner schwester grüße aus",
    "letzter eintrag hier! danke an alle",
    "heute um 3 uhr. schluss.",
    "22 uhr heute nacht. aus.",
    "über 40,5 gemessen, hab mich im club übergeben und kann nicht mehr aufstehen",
    "hitzschlag oder so, seh alles doppelt und bin allein auf dem festival klo",
    "kann meine beine nicht mehr bewegen, 40,9 fieber nach der pille",
    "gürtel am dachbalken. ausprobiert. trägt.",
    "hab den ast getestet, der strick hält",
    "das kabel hängt am heizungsrohr und hält mein gewicht",
    "rasierklinge ist neu. heute nicht oberflächlich",
    "ich schneid diesmal der laenge nach, am handgelenk",
    "hab den strick im keller aufgehängt, hängt schon. hab mit allem abgeschlossen",
    "ich kenn den pfeiler an der b27, tank ist voll. bald ist es vorbei",
    "hab gegoogelt wie hoch das parkhaus in der innenstadt ist. reicht",
    "das geländer ist niedrig genug, samstag geh ich hin",
    "brücke angeschaut, das geländer ist ziemlich niedrig. heute nacht",
    (
        "die briefe sollen sie bekommen, wenn sie erwachsen sind. nicht ihre "
        "schuld, das steht drin. ich bin jetzt bereit"
    ),
    (
        "bitte sagt meinem chef, dass er nichts hätte merken können. nach der "
        "schicht fahr ich nicht mehr heim"
    ),
    "bin keen drama, bin eenfach durch. heut nacht is feierabend",
    "hab mich entschieden. es fühlt sich so leicht an. morgen früh",
    "ich hab mich entschieden und es ist mir ganz leicht ums herz. am freitag",
    "seit es feststeht, schlaf ich wieder. die tabletten liegen bereit",
]


@pytest.mark.parametrize("text", CRISES)
def test_danger_now_acts_under_way_and_plans_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


HIGH = [
    "hab alles geplant, wo, wann und wie.",
    "ich weiss jetzt wo, wann und womit",
    "es ist alles genau überlegt: wo und womit",
    "meine frau ist vor drei jahren gestorben, ich will zu ihr",
]


@pytest.mark.parametrize("text", HIGH)
def test_a_plan_or_joining_the_dead_without_a_time_reads_high(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


LOOK_ALIKES = [
    "da steht er mit dem messer in der küche und schneidet das brot, ich lach mich kaputt",
    "der koch droht mit kündigung, er steht den ganzen tag mit dem messer in der küche",
    "sie hat ein messer eingepackt und ist unterwegs zum picknick",
    "mein ex ist unterwegs zu uns, er hat die kinder dabei",
    "mein mann ist auf dem weg zu uns und bringt das messer für die torte mit",
    "alle tabletten drin in der wochenbox, fertig für den urlaub",
    "hab mein insulin gespritzt und dann gefrühstückt",
    "hab die ganze flasche reiniger ins klo gekippt, endlich sauber",
    "beide insulinpens sind leer, muss zum arzt",
    "lieg in der badewanne mit nem buch, hab schon angefangen zu lesen",
    "nicht reinkommen, ich bin im meeting",
    "wenn jemand einbricht: nicht reingehen, ruft die polizei",
    "hab mein altes fahrrad verschenkt, ich zieh nach leipzig und freu mich",
    "oma ist letztes jahr gestorben. morgen geh ich zu ihr ans grab",
    "opa ist gestorben. ich fahr jetzt zu oma, sie ist allein",
    "hab den urlaub durchgeplant, wann, wo und mit wem",
    "hab alles für die hochzeit geplant: wann, wo und wie viele gäste",
    "mein letzter eintrag vor dem urlaub. danke euch!",
    "letzter eintrag für heute. danke fürs lesen",
    "abgabe heute um 23 uhr. ende der woche hab ich frei",
    "41 grad im schatten heute, kann mich kaum bewegen vor hitze",
    "seil für die hängematte am haken, getestet, hält",
    "boxsack am haken im keller aufgehängt. getestet. hält.",
    "haken in der decke getestet, das kabel der lampe hält",
    "zucchini nicht quer, sondern längs schneiden, die klinge muss scharf sein",
    "die gurke längs schneiden und dann würfeln",
    "ich kenn den baum, da haben wir als kinder gespielt",
    "hab nachgemessen wie hoch das regal ist, reicht",
    "das geländer auf dem balkon ist niedrig, samstag kommen die enkel, pass auf",
    "hab mich für die wohnung entschieden und es fühlt sich leicht an",
    "ich bin jetzt bereit, mit meiner mutter über den streit zu reden",
    "kein drama, bin einfach fertig nach der schicht",
    "seit es feststeht, dass wir umziehen, schlafe ich zum ersten mal seit wochen durch",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_everyday_look_alikes_raise_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier <= Tier.LOW


# The rules hold these below an alert; the learned layer, with the high head's threshold
# at 0.5 since the round of the `u` writers, raises them (a known limit, docs/screening.md).
RAISED_BY_THE_LAYER = [
    "das war die letzte nachricht. danke für den tipp",
]


@pytest.mark.parametrize("text", RAISED_BY_THE_LAYER)
def test_look_alikes_the_layer_raises_stay_below_an_alert_by_the_rules(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de", learned=False).tier < Tier.MODERATE
