"""French as participants write it, from clinical meaning: each construct, each tier, and the
contexts that change a match (negation, the past, someone else, quotes, idioms, helping
someone), in texting forms from France, Québec and Belgium, with or without accents."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.domain.screening import Tier, Verdict
from prompts.screening_loader import default_screener

Screen = Callable[[str], Verdict]


@pytest.fixture(scope="module")
def screen() -> Screen:
    s = default_screener()
    return lambda text: s.screen(text, "fr")


# -- crisis: the pieces together, with no suicide word -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # means at hand (a relative's medication) and a time (when she sleeps)
        "j'ai les cachets de ma grand-mère dans mon sac, j'attends qu'elle dorme",
        # means (insulin pens emptied) and finality
        "jai vidé les deux stylos. vous aurez plus de nouvelles",
        # a farewell act (passwords left) and finality (not around on Monday)
        "j'ai noté mes mots de passe pour mon frère. jserai plus là lundi",
        # a weapon at home and a time that is set
        "la carabine est dans le coffre du char. à soir quand tout le monde dort",
        # a place scouted (the railing is low) and a time
        "la rambarde du viaduc est basse de ce côté. jeudi soir",
        # debts paid and a decision taken with calm
        "zéro dette, tout est réglé. je peux y aller tranquille maintenant",
    ],
)
def test_means_farewells_and_finality_together_are_a_crisis(screen: Screen, text: str) -> None:
    assert screen(text).tier is Tier.CRISIS


def test_a_place_reached_and_a_train_minutes_away_is_a_crisis(screen: Screen) -> None:
    """Sitting by the rails with the next train in ten minutes: means at hand and a time."""
    text = "chui assis au bord de la voie, le prochain train passe dans dix minutes"
    assert screen(text).tier is Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "mon père a sorti le fusil, il a dit qu'il allait tuer les enfants",
        "il hurle qu'il va me tuer, il défonce la porte",
    ],
)
def test_violence_happening_now_is_a_crisis(screen: Screen, text: str) -> None:
    assert screen(text).tier is Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "ma mère respire mal et elle réagit plus quand je la secoue",
        "il saigne beaucoup trop ça s'arrête pas, les pompiers arrivent pas",
    ],
)
def test_someone_not_breathing_or_bleeding_now_is_an_emergency(screen: Screen, text: str) -> None:
    assert screen(text).tier is Tier.CRISIS


# -- high -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "jveux crever, j'y pense tous les jours",  # active ideation, texting
        "chaque fois que je traverse le pont je pense à sauter",  # a method in thought
        "mes coupures d'hier sont encore fraîches",  # recent self-harm
        "les voix sont revenues, elles me disent que je vaux rien",  # psychotic symptoms
        "j'ai des pensées de le frapper jusqu'à ce qu'il bouge plus",  # thoughts of harming
    ],
)
def test_active_ideation_recent_self_harm_voices_and_harm_thoughts_are_high(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "mon copain m'a donné un coup de poing ce matin",  # violence by a partner, told plainly
        "il m'a prise par le cou contre le mur samedi",  # strangling, without the word
        "recoupée. deux fois aujourd'hui",  # self-harm again, in one word
        "on m'a implanté un truc pendant la séance, on m'écoute",  # a delusion of control
    ],
)
def test_violence_strangling_self_harm_and_delusions_in_few_words_are_high(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier >= Tier.HIGH


# -- moderate --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ça me ferait rien de pas me réveiller demain",  # passive ideation, texted
        "ma fille serait bien mieux avec son père, sans moi",  # burden
        "je serais pas contre un petit accident en rentrant",  # wishing for an accident
        "je mélange mes anxios avec de la bière tous les soirs",  # dangerous substance use
        "jme suis vue de l'extérieur au supermarché pendant dix minutes",  # depersonalisation
    ],
)
def test_passive_wishes_burden_risky_use_and_dissociation_are_moderate(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier >= Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "des fois je voudrais juste disparaître",  # passive ideation
        "jme sens pas en sécurité à la maison quand il boit",  # not safe at home
    ],
)
def test_passive_ideation_and_not_feeling_safe_are_moderate(screen: Screen, text: str) -> None:
    assert screen(text).tier >= Tier.MODERATE


def test_re_dosing_is_moderate_but_a_usual_painkiller_is_not(screen: Screen) -> None:
    """Taking more MDMA alone is re-dosing; asking about one's paracetamol is not."""
    assert screen("est-ce que je peux en reprendre ce soir ?").tier >= Tier.MODERATE
    assert screen("je peux reprendre mon doliprane demain matin ?").tier < Tier.MODERATE


# -- low --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["chu down aujourd'hui", "pas la grande forme ce matin"])
def test_an_ordinary_low_day_is_worth_a_glance(screen: Screen, text: str) -> None:
    assert screen(text).tier is Tier.LOW


# -- figures of speech: hyperbole is not risk --------------------------------------------


def test_a_threat_reported_from_a_parent_is_not_hyperbole(screen: Screen) -> None:
    """'My father said he will kill me' is a threat told, not a figure of speech."""
    assert screen("mon père a dit qu'il va me tuer si je rentre").tier >= Tier.HIGH
    assert screen("il va me tuer si je pars").tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "ce contrôle de maths va me tuer",
        "le prof de sport va nous tuer avec ses tours de piste",
        "ma belle-mère va me faire crever avec ses questions",
        "plutôt mourir que chanter au karaoké samedi",
        "j'ai cru mourir de honte devant toute la classe",
        "j'ai failli me tuer en glissant dans l'escalier",
        "jvais le tuer il a encore mangé mes frites",
        "si je dois encore refaire ce tableau je me tire une balle lol",
        "je vais me pendre au cou de mamie dimanche, trop hâte",
        "je vais jeter l'ordi par la fenêtre",
        "mon but c'est de mourir vieux et riche",
    ],
)
def test_everyday_hyperbole_raises_nothing(screen: Screen, text: str) -> None:
    assert screen(text).tier < Tier.MODERATE


# -- ordinary departures look like farewells but are not -----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "dernier message avant les vacances, à dans deux semaines !",
        "pot de départ ce soir, adieux aux collègues demain",
        "je donne mes meubles, j'en aurai plus besoin : je pars vivre à Lyon",
        "exercice de la psy : une lettre d'adieu à celle qui avait honte, puis je l'ai brûlée",
        "ma voisine garde le chat pendant les vacances",
    ],
)
def test_holidays_retirement_moves_and_therapy_rituals_are_not_farewells(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier < Tier.MODERATE


# -- context: the past, someone else, negation, loss ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ya 3 ans je pensais à en finir, aujourd'hui je vais bien",
        "ado je me scarifiais, maintenant je regarde mes cicatrices autrement",
        "en séance on a reparlé de la nuit où il m'a étranglée, sans trembler cette fois",
    ],
)
def test_what_is_told_from_the_past_is_not_happening_now(screen: Screen, text: str) -> None:
    assert screen(text).tier < Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "mon fils m'a confié qu'il avait des idées noires, on voit le médecin demain",
        "aux infos un homme qui voulait sauter d'un pont a été retenu par les pompiers",
        "ma sœur disait qu'elle voulait en finir, on a appelé ensemble",
    ],
)
def test_someone_elses_risk_told_by_the_writer_is_not_the_writers(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier < Tier.MODERATE


def test_someone_elses_words_do_not_hide_the_writers_own(screen: Screen) -> None:
    """'He says I have dark thoughts' is still about the writer."""
    assert screen("il dit que j'ai des idées noires et il a raison").tier >= Tier.HIGH


def test_better_off_without_me_is_burden_though_others_are_its_subject(screen: Screen) -> None:
    """In "they'd be better off without me" the others are the point, not someone else's risk;
    someone else calling themself a burden stays theirs."""
    assert "burden" in screen("ils seraient tous mieux sans moi").constructs
    assert "burden" not in screen("mon frère dit qu'il est un fardeau").constructs


@pytest.mark.parametrize(
    "text",
    [
        "je n'ai plus d'idées suicidaires depuis le protocole",
        "idées suicidaires : non. sommeil : bof",
    ],
)
def test_ideation_denied_or_answered_no_is_not_ideation(screen: Screen, text: str) -> None:
    assert screen(text).tier < Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "ce soir groupe de parole pour les endeuillés par suicide, je repars plus léger",
        "samedi, marche du souvenir pour les personnes disparues par suicide",
    ],
)
def test_the_word_suicide_said_of_a_loss_or_a_cause_is_not_ideation(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier < Tier.MODERATE


def test_a_jump_in_a_dream_is_not_a_plan(screen: Screen) -> None:
    """A dream of jumping from a roof and flying, told the next morning."""
    assert screen("rêve bizarre où je sautais d'un toit et je volais").tier < Tier.MODERATE


# -- helping someone else --------------------------------------------------------------


def test_a_reply_written_to_help_is_held_at_low(screen: Screen) -> None:
    """Two different helping cues and no 'moi aussi': the risk words are the reader's."""
    text = (
        "ce que tu décris, beaucoup le vivent. si tu as des idées noires, "
        "n'hésite pas à appeler le 3114, jour et nuit"
    )
    assert screen(text).tier <= Tier.LOW


# -- a negator that belongs to the words read -------------------------------------------


def test_finality_written_with_ne_still_counts_and_keeps_the_learned_layer(
    screen: Screen,
) -> None:
    """'je ne redescends pas' is read by a term that holds its negator; the shorter reading
    that the negator blocks is the same words, not a risk word set aside."""
    verdict = screen("demain je monte au col et je ne redescends pas")
    assert "finality" in verdict.constructs
    assert not verdict.discounted


# -- the act said in every register: Québec, texting, elided "m'", rivers, "j'en finis" ----


@pytest.mark.parametrize(
    "text",
    [
        "chu tanné, j'vas m'tirer une balle à soir",  # Québec: "j'vas", "à soir"
        "jvais m'foutre en l'air demain sur l'autoroute",  # elided "m'" before the verb
        "ce soir je me fais sauter le caisson",  # slang for a gunshot, conjugated
        "jvais m'pendre cette nuit",
        "demain matin je me jette dans la Loire",  # a river named, not "the void"
        "ce soir j'en finis",  # "en finir" conjugated
        "je vais me laisser tomber du balcon quand tout le monde dormira",
    ],
)
def test_the_act_in_regional_and_texting_forms_with_a_time_is_a_crisis(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier is Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "jai pris 3 plaquettes de xanax avec du whisky, je vois flou",  # boxes, with spirits
        "j'ai vidé l'armoire à pharmacie",
        "j'ai 2 boîtes de doliprane dans le ventre",
        "j'ai avalé une trentaine de somnifères",  # "une trentaine de"
        "j'ai bu de la javel il y a dix minutes",  # a household poison
    ],
)
def test_an_overdose_or_a_poison_taken_now_is_a_crisis(screen: Screen, text: str) -> None:
    assert screen(text).tier is Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "cette fois je rate pas mon coup",  # an attempt before, intent now
        "je me suis pendu mais la corde a cassé, je vais réessayer",  # interrupted, again
        "j'ai fait une tentative hier soir, je recommencerai",
        "je vais foncer dans un platane en rentrant",  # the road as a method
        "personne verra que c'est voulu, ce soir sur la nationale",
        "je sais combien il en faut pour pas se réveiller, j'ai tout l'insuline",
        "dans une heure je serai mort",  # finality with a time
    ],
)
def test_attempts_again_the_road_and_lethal_knowledge_are_a_crisis(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier is Tier.CRISIS


def test_harm_to_someone_named_with_their_hours_known_is_a_crisis(screen: Screen) -> None:
    """Intent to hurt others plus knowing when they come out of school is a plan."""
    text = "je vais faire du mal aux enfants de ma voisine, je sais à quelle heure ils sortent"
    assert screen(text).tier is Tier.CRISIS
    assert screen("je veux faire du mal à personne, je suis juste à bout").tier < Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "j'ai des pensées de suicide qui reviennent depuis l'intégration",  # "de suicide"
        "l'idée du suicide m'obsède",
        "envie de me tailler les veines",
        "j'ai fait une TS l'année dernière et les pensées reviennent",  # the past comes back
        "jme scarifie depuis 3 semaines en cachette",  # present tense
        "je me frappe les cuisses avec les poings jusqu'à avoir des bleus",
        "jme gratte les bras jusqu'au sang quand les souvenirs remontent",
    ],
)
def test_thoughts_in_de_forms_and_self_harm_in_the_present_are_high(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "on m'espionne par les prises électriques",  # elided "m'"
        "les gens dans la rue sont des acteurs payés pour me surveiller",
        "mon voisin a mis des caméras dans mes murs",
        "ils ont mis un traceur dans ma voiture, je le sais",
        "je suis persuadée que je suis morte et que les autres le savent pas",  # Cotard
        "ça fait 4 nuits que je dors pas et j'ai des idées de génie",  # mania
        "je me sens tout puissant, j'ai tout compris à l'univers",
        "depuis la séance j'arrive plus à bouger la moitié du visage",  # stroke signs
        "depuis la MD j'ai une migraine horrible et je vois flou",
        # formal French says "ne ... pas": the "n'" is part of the sleep lost, not a negator
        "Je n'ai pas dormi depuis quatre jours et je me sens élue, je peux tout faire.",
        "je ne dors plus depuis trois nuits, je suis en mission divine",
    ],
)
def test_persecution_mania_and_medical_signs_in_many_words_are_high(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "si je meurs demain tant mieux",  # passive wish
        "chaque matin je me réveille déçu d'être encore là",
        "j'ai peur qu'il me fasse du mal si je pars",  # fear of a partner, by its effect
        "je dors avec la porte fermée à clé à cause de mon compagnon",
        "j'ai pris de la kétamine hier pour décrocher",
        "j'ai retapé de la coke ce week-end",
        "j'ai acheté des cachets sur le darknet pour refaire une séance seule",
        "j'ai repris un cachet après la séance pour retrouver cet état",
        "je me sens détaché de mon corps, comme si je me regardais de l'extérieur",
        "j'ai plus la force de rien, je reste au lit toute la journée",
        "je me réveille en hurlant toutes les nuits",
    ],
)
def test_passive_wishes_fear_use_dissociation_and_distress_by_their_effects_are_moderate(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier >= Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    ["pas trop le moral ce matin", "je culpabilise d'avoir crié sur les enfants"],
)
def test_low_mood_and_guilt_are_worth_a_glance(screen: Screen, text: str) -> None:
    assert screen(text).tier is Tier.LOW


@pytest.mark.parametrize(
    "text",
    [
        "je me suis tué à la tâche ce week-end dans le jardin",
        "je vais me tuer à la salle demain, leg day 💪",
        "je vais me faire tuer par ma mère si je rentre après minuit",
        "je vais le tuer ce moustique",
        "j'ai envie de disparaître sous ma couette tellement j'ai honte",
        "c'est fini pour de bon les heures sup",
        "c'est décidé : je me mets au sport",
        "c'est décidé, je quitte mon boulot",
        "j'ai tout planifié pour les vacances, départ vendredi",
        "jveux mourir tellement c gênant 😭 j'ai appelé ma prof maman",
        "mdr je vais me pendre si j'entends encore cette chanson",
        "demain je me jette à l'eau et je lui dis que je l'aime",
        "je pars ce soir en vacances, adieu la grisaille !",
        "j'ai pris un doliprane et je vais me coucher",
        "le médecin m'a prescrit des somnifères, je les prends comme indiqué",
        "je me suis coupée en faisant la cuisine hier",
        "je serai mort de fatigue ce soir",
        "mon grand-père disait « quand je serai mort, vous vous disputerez pour la maison »",
        "ma thérapeute m'a demandé de noter mes pensées de mort : zéro cette semaine",
    ],
)
def test_everyday_words_of_death_decision_and_departure_raise_nothing(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier < Tier.MODERATE


def test_a_lie_about_going_on_holiday_is_still_a_farewell(screen: Screen) -> None:
    """"They think I'm going on holiday" is a farewell act; "I'm going on holiday" is not."""
    assert screen("ma famille croit que je pars en vacances. je serai plus là lundi").tier >= (
        Tier.HIGH
    )
    assert screen("adieu les gars. sans rancune. c'est pour ce soir").tier >= Tier.HIGH


# -- someone else in danger now, the calm after deciding, effects of the body -------------


@pytest.mark.parametrize(
    "text",
    [
        "ma fille a avalé mes somnifères, elle répond à peine",  # a relative, pills, now
        "mon frère s'est enfermé dans la salle de bain avec la ceinture, il ouvre pas",
        "ma mère est sur le rebord du balcon, elle dit qu'elle va sauter",
        "j'ai coupé trop profond, ça saigne bcp ça s'arrête pas",  # bleeding now
    ],
)
def test_a_witness_of_danger_now_and_bleeding_that_will_not_stop_are_a_crisis(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier is Tier.CRISIS


def test_a_friend_who_answers_messages_slowly_is_not_an_emergency(screen: Screen) -> None:
    assert screen("ma pote répond à peine à mes messages depuis qu'elle a un mec").tier < (
        Tier.HIGH
    )


@pytest.mark.parametrize(
    "text",
    [
        "la décision est prise pis ça fait du bien tsé",  # Québec, no object
        "chu calme depuis que c'est décidé",
        "la date est fixée. plus aucun cauchemar, ironique",
    ],
)
def test_the_calm_after_a_decision_without_an_object_is_high(screen: Screen, text: str) -> None:
    assert screen(text).tier >= Tier.HIGH


def test_a_decision_with_an_ordinary_object_is_not_the_calm_of_a_plan(screen: Screen) -> None:
    assert screen("c'est décidé de partir vivre à Lyon, je me sens soulagée").tier < (
        Tier.MODERATE
    )


@pytest.mark.parametrize(
    "text",
    [
        "ça m'trotte dans la tête de sauter chaque fois que je passe sur le pont",
        "ma mère met des médicaments dans ma bouffe pour me contrôler",  # persecution
        "j'entends quelqu'un commenter tout ce que je fais",  # a commenting voice
        "ils me parlent par télépathie depuis la séance",
        "je suis brûlant, je tremble, je confonds la cuisine et le salon",  # hyperthermia
        "il a tremblé partout par terre pendant une minute après la soirée",  # a seizure seen
    ],
)
def test_urges_at_a_bridge_delusions_and_dangerous_bodily_signs_are_high(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "jai perdu des jours, on est jeudi et je croyais qu'on était lundi",  # lost time
        "aucune idée de ce que j'ai fait depuis hier soir, et j'avais rien bu",
        "jsuis une épave",
        "5 jours que je pleure",
        "jme réveille en pleurant",
        "un lexomil en plus avec mon verre de vin, pour tenir",  # mixing
        "pris 2 ecstas en soirée vendredi",
        "trois mois sans boire et hier j'ai craqué, une bouteille",
        "je voulais revivre le calme de la séance, j'ai pris seul le cachet d'un ami",
    ],
)
def test_lost_time_collapse_mixing_and_relapse_are_moderate(screen: Screen, text: str) -> None:
    assert screen(text).tier >= Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "j'ai perdu deux heures dans les bouchons ce matin",
        "j'ai arrêté les cachets pour dormir, je dors bien sans",
        "je vais crever l'abcès avec ma sœur ce soir",
        "j'ai vendu ma moto, j'en aurai plus besoin à Paris",
    ],
)
def test_traffic_stopping_sleeping_pills_and_a_move_raise_nothing(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier < Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "je vais sauter des calanques dimanche",  # a place in the plural
        "je viens de prendre tous mes antidépresseurs",
        "les somnifères de mon père sont dans ma poche, je vais les prendre ce soir",
        "tout est prêt, je pars ce soir, ne me cherchez pas",
    ],
)
def test_places_pills_of_a_relative_and_leaving_for_good_with_a_time_are_a_crisis(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier is Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "parfois je serre mon couteau et je pense à me l'enfoncer",
        "jme suis scarifié après l'engueulade",
    ],
)
def test_a_blade_turned_on_oneself_is_high(screen: Screen, text: str) -> None:
    assert screen(text).tier >= Tier.HIGH


def test_a_spectator_of_ones_own_life_is_dissociation(screen: Screen) -> None:
    assert screen("j'ai l'impression d'être une spectatrice de ma propre vie").tier >= (
        Tier.MODERATE
    )


@pytest.mark.parametrize(
    "text",
    [
        "j'ai pris mes médocs comme d'hab et je vais au lit, bonne nuit",
        "j'ai acheté de l'hélium pour les ballons de l'anniversaire demain",
        "tout est prêt, je pars ce soir en vacances",
        "je me suis planté à l'exam, je vais le repasser",
    ],
)
def test_usual_medication_balloons_and_holidays_raise_nothing(screen: Screen, text: str) -> None:
    assert screen(text).tier < Tier.MODERATE


def test_an_appointment_with_the_train_at_a_set_hour_is_a_crisis(screen: Screen) -> None:
    assert screen("jai rdv avec le train de 22h").tier is Tier.CRISIS
    assert screen("rdv chez le dentiste à 14h, j'ai la boule au ventre").tier < Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "je suis à bout de forces",
        "j'ai plus goût à rien",
        "j'ai l'impression de flotter hors de moi",
    ],
)
def test_no_strength_no_taste_and_floating_outside_oneself_are_moderate(
    screen: Screen, text: str
) -> None:
    assert screen(text).tier >= Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "ce sujet de bac sur le suicide chez Durkheim était dur",
        "j'ai tellement mangé que je vais exploser",
    ],
)
def test_a_school_topic_and_a_big_meal_raise_nothing(screen: Screen, text: str) -> None:
    assert screen(text).tier < Tier.MODERATE


def test_delivered_is_not_a_book(screen: Screen) -> None:
    # without accents "livrés" (delivered) is "livres" (books): only a book after a
    # determiner makes a story of what follows
    assert screen("Les cachets sont livrés. Ce soir je les prends tous.").tier >= Tier.HIGH
    assert screen("J'ai lu un livre sur le suicide hier, ça m'a bouleversée").tier <= Tier.LOW
    found = default_screener().read_constructs(
        "Dans le livre, l'héroïne avale toutes ses pilules", "fr"
    )
    assert all(f.blocked_by is not None for f in found if f.construct == "means")


def test_death_as_the_only_way_left_is_ideation_in_the_formal_negative(screen: Screen) -> None:
    """"Je ne vois pas d'autre solution que de mourir": the "ne ... pas" is part of what is
    said, not a negator of it; the same words about a move are not ideation."""
    assert screen("je ne vois pas d'autre solution que de mourir").tier >= Tier.HIGH
    assert screen("je n'ai pas d'autre choix que de mourir").tier >= Tier.HIGH
    assert screen("je ne vois pas d'autre solution que de déménager").tier < Tier.MODERATE
    assert screen("Je ne vois plus aucune issue.").tier >= Tier.LOW

