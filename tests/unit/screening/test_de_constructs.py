"""German as people text it: the clinical constructs and tiers, read in everyday, Swiss and
Austrian forms, and the contexts that keep words about risk from raising an alarm.

Each group states the clinical reason it exists; the sentences are written the way
participants write (lower case, "hab", "nich", "grad", "ne", umlauts as ae/oe/ue).
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier


def constructs(screener: Screener, text: str) -> set[str]:
    """The constructs that count for the writer now (not blocked by a context)."""
    return {f.construct for f in screener.read_constructs(text, "de") if f.blocked_by is None}


# ---- constructs: each is a family of ways of saying one thing -------------------------


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        # means at hand, stated flatly (C-SSRS 5 preparatory behaviour)
        ("die knarre liegt unterm bett bei mir", "means"),
        ("hab in verschiedenen apotheken tabletten geholt", "means"),
        ("die benzos hab ich alle in ne tuete gepackt", "means"),
        ("der strick haengt schon im keller", "means"),
        # farewell acts: letters, pets placed, passwords, debts, gifts
        ("hab nen brief an mama geschrieben", "farewell"),
        ("der kater geht zu meiner nachbarin", "farewell"),
        ("passwoerter stehen im ordner im regal", "farewell"),
        ("alle rechnungen sind bezahlt", "farewell"),
        ("hab ihr die kette von oma geschenkt", "farewell"),
        ("ha em mami es briefli gschribe", "farewell"),
        ("sie soll sich um den hund kuemmern", "farewell"),
        # finality: it is the last, I won't be around
        ("bald is ruhe", "finality"),
        ("dann bin ich durch", "finality"),
        ("des wars fia mi", "finality"),
        ("i chume nuemme hei", "finality"),
        ("brauch ich das alles nimmer", "finality"),
        # the calm after deciding
        ("jetzt weiss ich wann", "calm_decided"),
        ("zum ersten mal seit wochen schlaf ich durch", "calm_decided"),
        # a time that is set
        ("nach der naechsten sitzung", "timeframe"),
        ("ich geh nachher hin", "timeframe"),
        # passive wish to be dead, in its everyday forms
        ("haett nix dagegen einfach nicht mehr aufzuwachen", "wish_dead"),
        ("wieso bin ich ueberhaupt noch da", "wish_dead"),
        ("waer ma eh liaba wenn i nimma do waar", "wish_dead"),
        ("manchmal wuensch ich mir ne krankheit die mich mitnimmt", "wish_dead"),
        # active ideation, Swiss and colloquial
        ("i wott nuemme labe", "ideation"),
        ("heut nacht mach ich dem ganzen ein ende", "ideation"),
        # feeling a burden
        ("ich bin doch nur ne last fuer alle", "burden"),
        # self-harm after being clean
        ("3 monate clean und jetzt hab ich mich wieder geritzt", "self_harm"),
    ],
)
def test_each_construct_is_read_in_everyday_german(
    screener: Screener, text: str, construct: str
) -> None:
    assert construct in constructs(screener, text)


# ---- tiers: the combinations a clinician hears -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # means with a time, farewell with finality, gifts with "I won't be here"
        "hab mir nen strick im baumarkt geholt. heute abend",
        "briefe an mama und papa liegen im schrank. dann bin ich durch",
        "hab meinem bruder meine uhr gegeben. brauch ich das alles nimmer",
        "i chume nuemme hei. ha mini sache verschaenkt",
        # exhaust fumes in the garage, pills from several pharmacies
        "ich sitz in der garage und der motor laeuft",
        "war in vier apotheken und hab paracetamol geholt, damit keiner was merkt",
        # a medical emergency now, someone else after drugs
        "sie hat ne pille genommen und atmet ganz flach, reagiert nich mehr",
        # a weapon taken along to wait for someone
        "hab das messer eingesteckt, heut nacht wart ich vor seiner tuer auf ihn",
        # a place of death named with a time, verb last as German puts it
        "ich werd am samstag zu den gleisen gehen",
        # arranging who takes the pets, for when I am no longer here
        "wenn ich nicht mehr bin, soll mein bruder den hund nehmen",
        # a goodbye the family does not understand as final
        "hab beim essen allen tschuess gesagt, die wissen nicht dass es fuer immer ist",
    ],
)
def test_crisis_when_the_pieces_come_together(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        # active ideation without a plan, Swiss
        "i wott eifach nuemme labe",
        # self-harm again, after a clean time
        "hab mich gestern wieder geritzt, nach nem halben jahr",
        # dangerous physical signs after MDMA: water intoxication
        "hab nach der emma literweise wasser getrunken und jetzt kotz ich und bin durcheinander",
        # violence against the children in the house
        "mein mann schlaegt die kinder wenn er besoffen ist",
        # abuse that goes on
        "mein stiefvater fasst mich immer noch an",
        # thoughts of harming another person
        "ich hab so angst dass ich meinem kind was antu",
        "ich stell mir vor wie ich ihn mit dem messer absteche",
        # ideas of reference and of being poisoned
        "im radio senden die geheime botschaften nur fuer mich",
        "die nachbarn wollen mich vergiften, die tun was in mein essen",
        # mania: days awake with grandiosity or money thrown away, also Swiss
        "sit drei taeg wach und ich schrib es buech, so klar im chopf wie no nie",
        "hab mein ganzes erspartes an einem tag verzockt und fuehl mich genial",
        # overheating and rigid muscles after MDMA, said plainly
        "mir is heiss wie im backofen und meine muskeln sind steinhart",
        # violence with the object left out, a threat with a weapon
        "er hat gestern wieder geschlagen, mein auge ist blau",
        "er hat mir sein gewehr gezeigt und gesagt er weiss wo er mich findet",
        # thoughts of one step, of pulling the wheel
        "am bahnsteig denk ich jedes mal, ein schritt und es waer vorbei",
        # wanting to go under a train, said plainly
        "bin am bahnhof und will vor den naechsten zug",
        # self-harm that goes on, in texting form
        "ich ritz mich seit tagen wieder",
    ],
)
def test_high_for_active_ideation_self_harm_and_danger_signs(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        # re-dosing and using leftover MDMA outside the sessions
        "hab in der nacht noch ne zweite pille nachgeworfen",
        "hatte noch ein halbes teil uebrig und hab das gestern geschmissen",
        # derealisation in everyday words
        "alles fuehlt sich an wie in einem traum, als waer ich nich echt",
        # passive wish to be dead
        "haett nix dagegen fuer immer einzuschlafen",
        # not knowing what or how much was taken
        "bin voll drauf, kp mehr was ich alles genommen hab",
    ],
)
def test_moderate_for_redosing_dissociation_and_passive_wishes(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier >= Tier.MODERATE


# ---- what is written about risk, not at risk --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # idioms: laughing, dying for someone, joy, hyperbole about a series
        "ich bring mich noch um vor lachen",
        "ich lach mich kaputt",
        "ich wuerd fuer meine kinder sterben",
        "ich freu mich zu tode auf samstag",
        "die folge war so schlecht, ich wollt mich erschiessen 😂",
        "mathe macht mich fertig, ich kann nich mehr lol",
        "ich lass mein altes leben los, nicht im schlimmen sinn",
        # a kitchen accident is not self-harm
        "hab mir beim zwiebeln schneiden in den finger geschnitten",
        # waiting for a coffee before the train is not wanting to go under it
        "will vor dem zug noch nen kaffee",
        # a rope for a swing is not a noose
        "hab n seil fuer die schaukel gekauft, morgen bauen wir sie auf",
        # tiredness after work or sport is not finality
        "bin so fertig nach der schicht, das wars fuer heute",
        # a safety plan in place
        "der notfallplan haengt am kuehlschrank, das beruhigt mich",
        # prevention work and awareness days
        "wir hatten nen infostand zur suizidpraevention in der schule",
    ],
)
def test_figures_of_speech_and_everyday_lookalikes_raise_no_alarm(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE


def test_a_joke_that_is_not_meant_seriously_is_not_read_as_a_plan(screener: Screener) -> None:
    """Hyperbole announced as not serious ("meint es nicht ernst") is a figure of speech."""
    text = "mein kumpel sagt immer er springt ausm fenster, aber er meints nicht ernst"
    assert screener.screen(text, "de").tier < Tier.MODERATE


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        # negation in the clause
        ("ich will mich nicht umbringen", "ideation"),
        # a checklist-style denial in texting form
        ("hab keine gedanken mich umzubringen", "ideation"),
        # the wish to sleep through the night is not a wish to be dead
        ("will heut einfach nur durchschlafen", "wish_dead"),
    ],
)
def test_negated_or_absent_constructs_do_not_count(
    screener: Screener, text: str, construct: str
) -> None:
    assert construct not in constructs(screener, text)


@pytest.mark.parametrize(
    "text",
    [
        # a battery that is charged is not a loaded gun
        "hab nachgeschaut, der akku ist geladen",
        # a chore for someone else is not a farewell
        "hab mamas tabletten fuer die woche sortiert",
        # a pet staying with family over a weekend
        "der hund bleibt am wochenende bei meiner mutter",
    ],
)
def test_everyday_errands_are_not_preparations(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier < Tier.HIGH


def test_someone_else_collapsing_after_drugs_is_an_emergency_but_a_phone_is_not(
    screener: Screener,
) -> None:
    """Not responding after pills is an emergency; a phone that does not respond is not."""
    assert screener.screen("mein handy reagiert nich mehr", "de").tier < Tier.MODERATE
    emergency = "nach der party hat er was genommen, jetzt roechelt er und reagiert nicht"
    assert screener.screen(emergency, "de").tier == Tier.CRISIS


def test_earlier_as_a_comparison_is_not_the_past(screener: Screener) -> None:
    """ "Louder than before" compares; it does not put the thought in the past."""
    text = "der gedanke mir das leben zu nehmen ist jeden abend da, lauter als frueher"
    assert screener.screen(text, "de").tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        # an early morning and a good breakfast are not mania
        "war schon um 5 wach und hab fantastisch gefruehstueckt",
        # a hot sauna is not hyperthermia
        "die sauna war heiss wie ein ofen, herrlich",
        # money spent on a holiday and feeling great
        "hab 500 euro fuer den urlaub ausgegeben und fuehl mich fantastisch",
    ],
)
def test_ordinary_energy_heat_and_spending_are_not_danger_signs(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE


def test_a_hard_past_told_in_therapy_is_read_as_past(screener: Screener) -> None:
    """Retelling a self-harm history years later, now healed, is not a current risk."""
    text = "mit 17 hab ich mich geritzt, heute schau ich die narben mit liebe an"
    assert screener.screen(text, "de").tier < Tier.MODERATE


def test_a_support_reply_with_a_crisis_number_is_held_low(screener: Screener) -> None:
    """Writing to help someone else (their post, a crisis line) is not the writer's risk."""
    text = (
        "hab deinen post gelesen, du bist nicht allein. wenn du gedanken hast dich "
        "umzubringen, ruf bitte die telefonseelsorge an 0800 1110111"
    )
    assert screener.screen(text, "de").tier <= Tier.LOW


def test_a_forum_post_addressed_to_everyone_who_struggles_is_held_low(
    screener: Screener,
) -> None:
    """A post for others ("an alle, die ...", a crisis chat, the emergency room) helps."""
    text = (
        "an alle hier, die gerade suizidgedanken haben: du kannst jederzeit in die "
        "notaufnahme gehen, und es gibt den krisenchat"
    )
    assert screener.screen(text, "de").tier <= Tier.LOW


def test_a_peer_who_says_me_too_speaks_for_themself(screener: Screener) -> None:
    """Solidarity ("ich auch") keeps the writer's own plan from being read as help."""
    text = "an alle die grad kaempfen: ich auch. die tabletten liegen bereit, morgen ist es soweit"
    assert screener.screen(text, "de").tier == Tier.CRISIS


# ---- one term, a family of phrasings: word order, separable verbs, dialect -------------


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        # a compound split by the writer is still the same thought
        ("seit tagen wieder suizid gedanken", "ideation"),
        ("diese selbstmord gedanken hoeren nicht auf", "ideation"),
        # "mir etwas antun" in clipped and dialect forms
        ("hab angst dass ich mir was antu", "ideation"),
        ("i fuercht i tu ma wos an, i moan i tat ma wos antun", "ideation"),
        # the jump stated verb first, place after ("spring ... vom Dach")
        ("ich spring morgen vom parkhaus", "ideation"),
        # "when you read this I'll be dead": written to the one reader
        ("wenn du das hier liest bin ich schon tot", "ideation"),
        # not being alive any more, stated as a fact about tomorrow
        ("uebermorgen leb ich nicht mehr", "finality"),
        # a modal chain with "es" and a day: the act is set
        ("ich werd es morgen endlich tun", "finality"),
        ("ich werde heute gehen", "finality"),
        # a cord fixed to a hook or beam, in the past participle
        ("das kabel ist am haken im flur festgemacht", "means"),
        # everything is there, the means named after it
        ("hab jetzt alles hier, tabletten, wasser, ruhe", "means"),
        # pills with spirits: an overdose prepared
        ("die schlaftabletten und der wodka stehen auf dem tisch", "means"),
        # the decision after a long struggle
        ("ich hab lange genug gekaempft", "calm_decided"),
        # goodbyes: "leb wohl", thanking for having been there, love said one last time
        ("leb wohl und pass auf dich auf", "farewell"),
        ("danke dass ihr immer fuer mich da wart", "farewell"),
        ("hab allen nochmal geschrieben dass ich sie lieb hab", "farewell"),
        # nobody needs me (Bavarian and standard)
        ("mi braucht doch eh koana", "burden"),
        ("keiner braucht mich", "burden"),
        # why go on living, rather dead than this
        ("warum soll ich eigentlich weiterleben", "wish_dead"),
        ("lieber tot als noch ein jahr so", "wish_dead"),
    ],
)
def test_a_family_of_phrasings_is_read_as_one_construct(
    screener: Screener, text: str, construct: str
) -> None:
    assert construct in constructs(screener, text)


@pytest.mark.parametrize(
    "text",
    [
        # a separable verb split across a subordinate clause, verb last
        "ich weiss jetzt dass ich mich naechste woche umbringe, die tabletten hab ich schon",
        # an infinitive with "zu" inside the verb, and a time
        "hab beschlossen mich am samstag umzubringen",
        # a modal chain with the means, no suicide word at all
        "werde es heute nacht machen, das seil haengt schon am balken",
        # "I won't be alive" with everything prepared
        "naechsten montag leb ich nicht mehr. es ist alles vorbereitet",
        # a goodbye said one last time, and it is over
        "hab meinen eltern nochmal gesagt dass ich sie liebe. das wars dann",
    ],
)
def test_indirect_plans_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        # recent self-harm with no object pronoun, or with words between
        "hab gestern wieder geritzt",
        "ich hab mich am wochenende wieder selbst verletzt",
        # active ideation said through a split compound
        "die suizid gedanken sind heute richtig laut",
    ],
)
def test_recent_self_harm_and_active_thoughts_are_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        # "vor Lachen" and "bringt mich um" about weather or a boss are figures of speech
        "ich bring mich gleich um vor lachen",
        "der laerm von der baustelle bringt mich noch um",
        # ending a relationship or a habit, and going to bed
        "ich mach heute schluss mit ihm, reicht jetzt",
        "werd heute frueh ins bett gehen",
        # a friend's words are not the writer's
        "meine freundin hat geschrieben dass sie sich umbringen will, was mach ich",
        # climbing rope and a shooting club
        "neues seil fuers klettern ist da, am samstag gehts in die halle",
    ],
)
def test_widened_families_leave_figures_of_speech_and_other_people_low(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE


# ---- Runde 6: families a new writer brought (medicines by name, poison, high places,
# compound times, a last disclosure; psychosis, MDMA signs, abuse and harm in everyday words)


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        # medicines named, not "Tabletten": set aside, counted, bought in several packs
        ("hab mir das venlafaxin seit wochen aufgespart", "means"),
        ("die lyrica hab ich zur seite gelegt", "means"),
        ("drei packungen paracetamol liegen im schrank", "means"),
        ("hab zwei packungen ibu gekauft", "means"),
        # a poison ordered online
        ("zyankali ist bestellt", "means"),
        # on a high place, said with "aufm" or as a compound
        ("bin grad aufm hochhausdach", "means"),
        ("sitz oben auf der autobahnbruecke", "means"),
        ("hock am offenen fenster im 12. stock", "means"),
        ("hab mir die bruecke genau angeschaut", "means"),
        # a day chosen, a time said as one word, jumping now
        ("hab mir den tag ausgesucht", "timeframe"),
        ("sonntagmorgen fahr ich hin", "timeframe"),
        ("ich spring nachher", "timeframe"),
        # telling one person first, leaving the key
        ("schreib das nur damit wenigstens einer bescheid weiss", "farewell"),
        ("der umschlag mit dem schluessel liegt auf dem tisch", "farewell"),
        ("die nachbarin soll meine katze abholen koennen", "farewell"),
        # not coming back, needing nothing after, nobody will find me
        ("ich komm nicht zurueck", "finality"),
        ("danach brauch ich nix mehr", "finality"),
        ("ein ort wo mich keiner findet", "means"),
        ("dass es bald vorbei ist", "finality"),
        # the courage found, the decision to go through with it
        ("heut trau ich mich endlich", "calm_decided"),
        ("hab beschlossen dass ich es durchziehe", "calm_decided"),
        # "why not just...", a step forward, enough so as not to wake up
        ("warum nicht einfach vor den zug", "ideation"),
        ("ein schritt nach vorne an der bahnsteigkante", "ideation"),
        ("wie viele braucht man damit man nicht mehr aufwacht", "ideation"),
        # tired of life in the old way of saying it; if God took me
        ("ich bin lebenssatt", "wish_dead"),
        ("wenn der herrgott mich holt, waer das ok", "wish_dead"),
    ],
)
def test_a_new_writers_families_are_read_as_constructs(
    screener: Screener, text: str, construct: str
) -> None:
    assert construct in constructs(screener, text)


@pytest.mark.parametrize(
    "text",
    [
        # named medicine saved up, and a time
        "das quetiapin hab ich gebunkert. sonntagabend nehm ich alles",
        # several packs bought in different shops, and a time
        "drei packungen ibu aus drei laeden. heute nacht ist es soweit",
        # on a roof, about to jump
        "steh aufm parkhausdach. ich spring jetzt",
        # a day chosen and a place nobody finds
        "den tag hab ich mir ausgesucht und einen ort wo mich keiner findet",
        # pets placed, not coming back
        "der hund ist bei meiner schwester, der umschlag mit dem schluessel liegt bereit. "
        "ich komm nicht zurueck",
        # many tablets taken, counted
        "hab grad 25 von meinen quetiapin genommen",
        "vor ner halben stunde alli tablette gno",
        # a message to everyone that they are loved, and it is over tomorrow
        "hab allen ne nachricht geschrieben dass ich sie liebe. morgen frueh ist alles vorbei",
        # someone announced it and cannot be reached
        "mein bruder hat geschrieben er nimmt alle seine tabletten "
        "und jetzt geht er nicht mehr ans telefon",
    ],
)
def test_a_new_writers_plans_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        # self-harm with the verb first, and typed in a hurry
        "seit dem streit ritze ich mich wieder jeden abend",
        "hab mich gestern geritz",
        # "why not just" is not a negation
        "wieso nicht einfach unter den naechsten bus",
        # hallucinations, surveillance, poison
        "ich seh gestalten die sonst keiner sieht",
        "ich hoer wie sie ueber mich redet obwohl sie gar nicht da ist",
        "meine nachbarin hoert mich ueber die steckdose ab, ich weiss dass sie mich abhoert",
        "irgendwer verfolgt mich seit tagen",
        "das wasser aus der leitung wird vergiftet, ich trink nur noch aus flaschen",
        # mania: little sleep with boundless drive
        "schlaf seit ner woche nur drei stunden und hab trotzdem energie ohne ende, "
        "hab heut zwei firmen gegruendet",
        # MDMA danger signs after a session
        "fieber ueber 39 seit der sitzung, und mir ist so komisch",
        "muskeln zucken die ganze zeit, ich schwitz wie verrueckt und bin voll verwirrt",
        "hab ne zweite pille nachgeworfen, jetzt herzrasen ohne ende",
        "hab nach der sitzung literweise wasser getrunken. jetzt hab ich mich dreimal uebergeben",
        # abuse happening: locked in, forced, beaten with a belt, a child told
        "sie schliesst mich ein wenn sie einkaufen geht",
        "er zwingt mich jeden abend zum sex",
        "meine mutter hat mich mit dem kochloeffel verpruegelt",
        "mein neffe wird von seinem stiefvater geschlagen",
        # harm to others: hitting a partner, a violent fantasy
        "ich hau meine frau wenn ich getrunken hab",
        "stell mir jeden abend vor wie ich ihn zusammenschlag bis er sich nicht mehr bewegt",
    ],
)
def test_a_new_writers_high_risk_families_are_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        # redosing outside the session, bought or planned
        "hab mir teile besorgt fuers wochenende",
        "will das nochmal allein ausprobieren, ohne die therapeuten",
        "hab am wochenende ne halbe pille eingeschmissen",
        # outside the body, watching oneself, dream-like
        "ich schwebe ueber meinem koerper",
        "alles fuehlt sich an wie im traum, ich spuer meine beine nicht",
        # panic that will not stop
        "eine panikattacke nach der anderen, krieg keine luft",
    ],
)
def test_a_new_writers_moderate_families_are_moderate(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier >= Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        # climbing gear, the last message of the day
        "neuer klettergurt, karabiner und seil sind da, samstag gehts an den fels",
        "das war meine letzte nachricht fuer heute, schlaft gut",
        # an anniversary of an attempt, told as recovery
        "heute vor genau sieben jahren hab ich versucht mir das leben zu nehmen. "
        "heute bin ich dankbar dass ich lebe",
        # a sum of money is not a year in the past
        "hab 2000 euro fuer den urlaub gespart, seit tagen kaum geschlafen vor vorfreude",
        # a game won
        "ich schlag meinen bruder beim schach jedes mal",
        # a friend's words, someone reachable
        "meine freundin hat geschrieben dass sie sich umbringen will, "
        "sie ist jetzt bei ihrer mutter und geht ans telefon",
    ],
)
def test_a_new_writers_lookalikes_raise_no_alarm(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE


def test_a_loving_message_to_one_person_is_not_a_farewell(screener: Screener) -> None:
    # said to everyone, or once more, it is a farewell act; to one person it is love
    one = "hab meiner oma geschrieben dass ich sie lieb hab"
    assert "farewell" not in constructs(screener, one)
    assert "farewell" in constructs(screener, "hab allen nochmal geschrieben dass ich sie liebe")


@pytest.mark.parametrize(
    "text",
    [
        # struck, grabbed by the throat, the air cut off, an injury explained away
        "mein vater hat mir wieder eine gescheuert",
        "sie hat mich an den haaren durchs zimmer gezogen",
        "er hat mir beim streit die luft abgedrueckt",
        "den kollegen hab ich erzaehlt dass ich gegen die tuer gelaufen bin",
        # wanting to strike someone, nearly attacking, something in their drink
        "am liebsten wuerd ich dem nachbarn eine mit der schaufel ueberziehen",
        "hab heute fast den busfahrer angegriffen",
        "ich will ihr was in den kaffee tun",
        # the advertising talks to me, a chip, a camera in the smoke alarm, orders in my head
        "das radio spricht seit gestern direkt mit mir",
        "die aerzte haben mir nen chip implantiert",
        "im rauchmelder ist ne wanze, die hoeren alles",
        "die stimmen geben mir befehle",
        # fever with shaking after taking more, biting and stabbing oneself, the impulse
        "hab noch was genommen, 39,5 grad und ich zitter am ganzen koerper",
        "ich beiss mir in die hand bis es blutet",
        "hab mir die schere in den oberschenkel gestochen",
        "der impuls mich zu schneiden ist heute so stark",
    ],
)
def test_violence_delusions_and_injuries_in_everyday_words_are_high(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        # a nurse's ampoules, a property signed over, a note that someone may look for me
        "die ampullen liegen bereit, heute nacht ist es soweit",
        "falls mich jemand sucht, ich bin am see. es ist gut so",
    ],
)
def test_indirect_means_and_finality_with_a_time_or_a_decision_are_a_crisis(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier == Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        # a tablet handed over, a dog that bit, a boss who gives orders, seasoning in the food
        "die aerztin hat mir eine tablette gegeben",
        "der hund hat mich in die hand gebissen",
        "mein chef gibt mir den ganzen tag befehle",
        "mama tut immer was ins essen damit es besser schmeckt",
        # a message meant for me, a fall that was a fall
        "die nachricht war nur fuer mich bestimmt",
        "der sturz vom fahrrad haette mich fast umgebracht",
    ],
)
def test_everyday_lookalikes_of_violence_and_delusion_raise_no_alarm(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE
