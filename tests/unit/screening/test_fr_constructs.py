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
