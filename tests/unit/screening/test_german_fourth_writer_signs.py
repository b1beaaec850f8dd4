"""German warning signs in the families a fourth clinical writer's high, moderate and low
statements showed missing, each with its everyday look-alikes.

- Crisis: a partner at the door now, threatening to kill if one leaves; "I'll do him in"
  with a time set.
- High: two neurological signs after a dose (numb or tingling, with confusion, lost words
  or a headache); nights without sleep and everything "so clear", the others too slow, a
  rebirth, saving the world, the only one who can heal, no sleep and no tiredness, an
  enlightenment that makes medication unnecessary; the radio speaking of one, everything
  talking to one, something implanted behind the ear or in the head, something steering
  from inside and telling one to hurt oneself, a voice that says one's name, colleagues
  who know everything and hacked one's things; being locked in, things thrown at one,
  chats deleted for fear of him, a threat to kill if one leaves, being choked (also in
  Austrian); "I'll do him in", a weapon bought for a particular man, wanting to ram
  someone's car, wishing to go at someone with an axe, picturing cutting a throat, waking
  with one's hands round a partner's neck; burning oneself with a lighter or a cigarette
  (Austrian "Tschick"), cutting in Berlin dialect ("jeschnitten", "jeritzt"), biting
  oneself until it bleeds; being better off dead or wishing for a bus nearly every day,
  thinking of "helping it along", the pull to swerve into a lorry.
- Moderate: nightmares every night, waking up screaming, fear of falling asleep with
  staying awake, checking the door again and again, not knowing how long one can bear
  it, memories that can no longer be held back, never being normal again, the trauma has
  won; dead inside, as if no longer there, life as a film someone else watches, a
  stranger in the mirror, empty and numb; sleeping pills taken far beyond the
  prescription; wishing one had not survived; a partner controlling phone and money.
- Low: missing someone, a crying fit at the till.
- Everyday look-alikes: fingers numb from the cold, a short night with a baby, not
  having to save the world, a dental implant, the village fete on the radio, a doctor's
  advice to rest, being locked in by mistake, children throwing balls, drinks put in the
  fridge, a kitchen knife, a near miss with a cyclist, a Berlin haircut, a nightmare that
  passed, a son's nightmares, pills in the weekly box, a climbing rope for the crag,
  relief at deciding to move, a patient after an overdose on the ward, pills taken as
  prescribed, the key of the old flat where he used to hit her, a donation to a charity,
  a friend who cooks, a lane change in traffic, "helping luck along", a maths hyperbole,
  wedding memories, exam nerves at bedtime.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "er steht gerade vor der tür und sagt, wenn ich ihn verlasse bringt er mich um",
    "heute abend mach ich ihn kalt, ich weiß wo er wohnt",
]


@pytest.mark.parametrize("text", CRISES)
def test_threats_now_and_intent_with_a_time_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


HIGH = [
    # medical: two neurological signs after a dose
    "hände kribbeln und ich bin so verwirrt, find die worte nicht mehr",
    "seit der sitzung kopfweh wie verrückt und die linke gesichtshälfte ist taub",
    "bin total neben der spur und mein arm ist ganz gefühllos",
    # mania and psychosis
    "seit drei nächten nicht geschlafen, alles ist so glasklar",
    "kaum geschlafen, die kollegen sind alle zu langsam für mich",
    "ich bin die reinkarnation einer heiligen",
    "ich muss die menschheit retten, keine zeit zu verlieren",
    "ich bin die einzige, die der welt die wahrheit zeigen kann",
    "schlaf kaum, aber bin kein bisschen müde",
    "brauch kein lithium mehr, ich bin erwacht",
    "die nachrichtensprecherin redet über mich",
    "alles spricht zu mir, die bäume, die autos",
    "die ärzte haben mir einen chip in den kopf eingesetzt",
    "irgendwas hat befohlen, dass ich mir was antun soll",
    "es hat wieder gesagt, ich soll mich verletzen",
    "irgendwas steuert mich von innen",
    "höre eine stimme, die meinen namen ruft",
    "die nachbarn wissen alles über mich, die haben mein wlan gehackt",
    # abuse
    "mein mann hat mich übers wochenende in der wohnung eingesperrt",
    "er schmeißt teller nach mir wenn er getrunken hat",
    "ich muss den verlauf löschen, damit er es nicht sieht",
    "wenn ich gehe, bringt sie mich um, sagt sie",
    "hot mi gestern wieder gwatscht",
    # harm to others
    "meiner nachbarin würd ich am liebsten mit dem hammer",
    "wenn der noch einmal meine tochter anfasst, mach ich ihn kalt",
    "hab mir ein springmesser bestellt, für den typen, der mich verprügelt hat",
    "wollte ihn mit dem auto umfahren",
    "stelle mir oft vor, wie ich ihm den schädel einschlage",
    "hatte im schlaf meine hände um ihren hals",
    # self-harm
    "hab mich gestern wieder mit dem feuerzeug am arm gebrannt, wie damals mit 16",
    "hab mi gestern mit da tschick am arm vabrennt",
    "hab ma jestern wieda jeritzt",
    "hab mir absichtlich in die hand gebissen bis es blutet",
    # suicidality: passive thoughts nearly every day, turning active
    "jeden abend denk ich, ich wär lieber tot",
    "dauernd der gedanke, dass ich besser tot wäre",
    "wünsch mir jeden morgen, dass mich ein laster überfährt",
    "langsam denk ich ans nachhelfen",
    "manchmal denk ich beim fahren: einfach rüberlenken in den gegenverkehr",
    # an everyday decision or a climbing rope is no everyday text when the sentence leaves
    "hab mich entschieden, ihm zu vergeben, bevor ich heute nacht für immer gehe",
    "neues seil gekauft, nicht für den fels, für den balken im keller",
]


@pytest.mark.parametrize("text", HIGH)
def test_medical_psychosis_harm_and_suicide_signs_read_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


MODERATE = [
    "seit wochen alpträume jede nacht",
    "ich wach fast jede nacht schreiend auf",
    "hab panik vorm einschlafen und bleib lieber wach bis um 4",
    "ich weiß echt nicht, wie lange ich das noch aushalte",
    "die erinnerungen überrollen mich seit der sitzung",
    "hab angst, dass ich nie wieder normal werde",
    "die depression hat gewonnen",
    "innen drin fühlt sich alles tot an",
    "es fühlt sich an, als wär ich gar nicht mehr da",
    "mein leben ist wie ein film, den ein fremder schaut",
    "im spiegel seh ich einen fremden",
    "fühl mich wie betäubt, gefühllos",
    "kein lachen, kein weinen, nix",
    "nehm die schlaftabletten jetzt doppelt so viel wie verschrieben",
    "wünschte, ich hätte den herzinfarkt nicht überlebt",
    "er kontrolliert mein handy und mein konto",
]


@pytest.mark.parametrize("text", MODERATE)
def test_nightmares_dissociation_passive_wishes_and_misuse_read_moderate(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier >= Tier.MODERATE


LOW = [
    "vermiss meinen bruder so",
    "bin im büro in tränen ausgebrochen",
]


@pytest.mark.parametrize("text", LOW)
def test_missing_someone_and_crying_are_worth_a_glance(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.LOW


LOOK_ALIKES = [
    "finger taub vor kälte, bin aber gut heimgekommen",
    "kaum geschlafen wegen dem baby, aber alles klar bei uns",
    "hab kaum geschlafen vor aufregung, hab heute gekündigt und zieh nach hamburg",
    "ich muss heute nicht die welt retten, nur den haushalt",
    "ich bin die einzige, die den menschen hier im heim noch helfen kann",
    "der zahnarzt hat mir ein implantat eingesetzt",
    "im radio haben sie über unser dorffest geredet",
    "meine ärztin hat gesagt, ich soll mich schonen",
    "die kollegin hat mich aus versehen im keller eingeschlossen",
    "die kinder werfen im garten bälle nach mir",
    "meine freunde wissen alles über mich. mein insta wurde gehackt",
    "ich mach die getränke kalt",
    "hab mir ein neues küchenmesser gekauft für den braten",
    "hab ein messer gekauft für meinen freund, der kocht gern",
    "hätte fast einen radfahrer überfahren, mein herz rast",
    "hab ma die haare jeschnitten",
    "jeden tag mathe, besser tot als das",
    "hatte heute nacht einen albtraum, jetzt ist wieder gut",
    "mein sohn hat jede nacht albträume",
    "ich hab angst vorm einschlafen, weil ich morgen prüfung hab",
    "die erinnerungen an die hochzeit überwältigen mich gerade",
    "hab die tabletten für die woche in die pillenbox gefüllt",
    "neues kletterseil gekauft, sonntag geht's in den klettersteig",
    "so erleichtert, seit ich beschlossen hab umzuziehen",
    "auf station ein patient nach überdosis, alles gut ausgegangen",
    "nehm die tabletten vom arzt fürs schlafen, genau wie verschrieben",
    "nehm die tabletten, aber viel mehr hilft mir sport",
    "die schlüssel der alten wohnung abgegeben, in der er mich geschlagen hat. endlich frei",
    "3000 euro an die welthungerhilfe gespendet",
    "bei stau einfach rüberziehen auf die linke spur",
    "man muss dem zufall ein bisschen nachhelfen",
    "das radio spricht über das wetter",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_everyday_look_alikes_raise_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier <= Tier.LOW
