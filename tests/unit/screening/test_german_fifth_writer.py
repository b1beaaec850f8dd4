"""German statements in the families a fifth clinical writer's statements showed missing,
each with its everyday look-alikes.

- Crisis: stones in the coat pockets and a word so that someone knows; a goodbye with a
  cover story (they think I am moving away, or going to a clinic, and I go nowhere any
  more); long messages to everyone and thanks for everything, with "from tomorrow";
  a window or door smashed and someone shouting inside now; the ex in the flat and the
  writer hiding in a wardrobe; someone with an axe looking for us; "I tried, the rope
  snapped", the throat hurting; a red bath and fingers going numb; a plan that stands
  and sorry to everyone; a gun fetched and loaded, then an apology; everything given
  away because where I go I will not need it.
- High: how I could die, every day; daily thoughts that I would be better dead; taking
  one's life, in Swiss German; cancelling the next session and going nowhere any more;
  not living to see a birthday; a steep drop here and "then it is quiet"; from "not
  waking up" to "I want to do it"; an implant from the clinic, the flat bugged; number
  plates or cars as signs; little sleep and feeling like a god, seeing prices in
  advance; a dead relative or voices forbidding food; whispering from the radiator,
  doctors poisoning me; a seizure others saw; a threat sent and meant; an axe if the
  neighbour does it again; a blade in the hand with the urge; choking oneself.
- Moderate: flashbacks by day, a child again and frozen, soaked awake every night,
  a glass pane between me and the world; wishing to have died too; an accident would not
  be so bad; a bottle emptied again and again; half a pill from before.
- Everyday look-alikes: children collecting stones, a steep path on a hike, a party
  message, being late, a bottle of water, a holiday with the cat at a brother's, a
  camera given away because there is a new one, a closed chapter after a break-up, a
  therapist's question answered no, first-aid courses and rescue work, hours of moving
  boxes, hide and seek, a bath coloured by hair dye, night sweats of the menopause.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "steh am fluss, die manteltaschen voller steine. schreib das nur, damit es jemand weiss",
    "hab mich von meiner trainerin verabschiedet. sie glaubt ich flieg ins ausland.",
    "die nachbarn denken ich fahr in die reha. ich fahr nirgendwo mehr hin",
    ("hab allen eine lange nachricht geschickt und mich für alles bedankt. ab morgen ist ruhe"),
    "gerade hat jemand die haustür eingetreten und schreit im flur, bin im bad",
    "er ist in der wohnung, obwohl er nicht darf. ich hock im wandschrank",
    "mein stiefvater hat das beil geholt und sucht uns",
    "sind im keller versteckt, aber er ist ganz nah",
    "hab's versucht, das seil ist gerissen",
    "der gürtel hat nicht gehalten, mein hals tut weh",
    "die wanne ist schon blutrot, spür meine hände nicht mehr",
    "hab nen plan und der steht. sorry an alle",
    "hab die pistole vom papa geholt, sie ist geladen. verzeiht mir",
    "die bücher hab ich verteilt, brauch ich da wo ich hinkomme eh nicht",
]


@pytest.mark.parametrize("text", CRISES)
def test_means_places_attempts_cover_stories_and_danger_now_are_a_crisis(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


HIGHS = [
    # a height visited for the view, photos or friends is an outing, unless it jumps or ends
    "bin auf der brücke, schöne aussicht, gleich spring ich",
    "ich überlege jeden tag, wie ich sterben kann",
    "jede nacht der gedanke, lieber tot",
    "besser ich wär tot, seit wochen denk ich das",
    "jede tag dr gedanke, mir s läbe z neh",
    "den termin können sie absagen, ich geh nirgendwo mehr hin",
    "weihnachten erleb ich nicht mehr",
    "bin oben am felsen. da gehts tief runter. noch ein bisschen sitzen und dann ist ruhe",
    "erst war es 'nicht mehr aufwachen', seit gestern ist es 'ich will es tun'",
    "die ärzte haben mir in der narkose was implantiert",
    "meine wohnung wird verwanzt, deshalb rede ich nur noch flüsternd",
    "jedes auto heute war ein zeichen für mich",
    "schlafe max zwei stunden und fühl mich wie ein gott",
    "ich kann die lottozahlen vorher sehen",
    "seit gestern flüstert meine verstorbene mutter, ich muss fasten",
    "die stimmen sagen, ich darf nichts mehr trinken",
    "die ganze nacht stimmen aus der steckdose",
    "die nachbarn wollen mich vergiften wollen",
    "mein bruder sagt ich hab minutenlang gezuckt und war nicht ansprechbar",
    "hab ihr gesagt, dass sie nicht mehr lange lebt",
    "wenn der typ nochmal vor meiner tür steht, hol ich die axt",
    "rasierklinge in meiner hand, der drang ist riesig",
    "hab angefangen mich mit dem kabel zu würgen",
]


@pytest.mark.parametrize("text", HIGHS)
def test_active_ideation_psychosis_threats_and_self_harm_read_high(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


MODERATES = [
    "seitdem kommen die bilder mitten am tag, auch bei der arbeit",
    "war wieder sieben und konnte mich nicht rühren",
    "jede nacht um 4 wach, schweißgebadet, herzrasen",
    "zwischen mir und den anderen ist wie watte",
    "ich wünschte, ich wäre bei dem unfall mit gestorben",
    "wenn ich nen unfall hätt, wär's nicht so schlimm",
    "ne flasche wodka leergemacht, schon wieder",
    "hab mir dann noch ne halbe pille eingeworfen",
]


@pytest.mark.parametrize("text", MODERATES)
def test_trauma_signs_passive_wishes_and_relapse_read_moderate(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier >= Tier.MODERATE


LOOK_ALIKES = [
    # a height visited for the view, photos or friends is an outing, unless it jumps or ends
    "bin auf der brücke und mach fotos vom sonnenuntergang",
    "sitz am see mit den kindern, die sammeln steine in den jackentaschen",
    "vorsicht auf der wanderung, da gehts steil runter. morgen gehen wir hoch",
    "hab allen eine sprachnachricht geschickt wegen der party am samstag",
    "sorry mama, komm morgen etwas später",
    "hab ne flasche wasser leer gemacht, das dritte mal heute",
    "der termin nächste woche können sie streichen, ich bin krank",
    "die katze ist bei meinem bruder, wir fahren morgen für zwei wochen nach italien",
    "hab die kamera meinem neffen geschenkt, ich hab eh ne neue",
    "alle chats mit ihm gelöscht. kapitel abgeschlossen, es ist vorbei, und das ist gut so",
    "meine therapeutin hat mich direkt gefragt, ob ich an suizid denke. nein, nie",
    "als rettungssanitäter seh ich oft überdosis, heute hat einer überlebt",
    "wir lernen im erste-hilfe-kurs, was bei überhitzung und krampfanfällen zu tun ist",
    "nach 8 stunden umzug kisten schleppen: ich kann nicht mehr",
    "wir haben verstecken gespielt, ich war im kleiderschrank",
    "hab die badewanne geputzt, ganz rot von der haarfarbe",
    "jede nacht um 3 wach, klatschnass, wechseljahre halt",
    "die kinder sitzen noch ein bissl und dann is gut mit fernsehen",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_everyday_look_alikes_raise_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier <= Tier.LOW
