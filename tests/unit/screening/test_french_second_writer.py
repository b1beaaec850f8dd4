"""French warning signs a second writer's statements showed missing, written afresh as
whole families (other verbs, other nouns, texting and Québec forms), each with its
everyday look-alikes.

- Means gathered over weeks (pills put aside, reserves made), bought or found "ce qu'il
  fallait", pills mixed with drink, a relative's gun with the padlock code, pills laid out
  and counted: with a day, a goodbye or "c'est prêt" these are crises. Shopping for a
  meal, coins put aside, pasta in reserve, pills counted into a pill box are not.
- Taking everything a while ago, or pills with breathing that fails and blue lips, is an
  overdose now; violence happening now to the writer or to someone else is a crisis.
- Joining a dead parent on a named day is ideation with a time; meeting a sister at a
  bar or visiting a grave is not.
- A time when nobody will come back or interrupt, tide times with nobody to hold one back,
  "tout prévu" before a day, things left to a friend who thinks one is moving: a crisis or
  farewells.
- High-tier signs: an urge to smash someone's head, revenge with the person's schedule
  known, a slap from a parent, hitting one's head against the wheel or a table, nights
  without sleep with a grandiose lucidity, the voice of a dead parent in the room, pills
  taken to feel nothing followed by a sleep of many hours, fever and a racing heart at
  rest after re-dosing.
- Moderate and low: a relative's benzodiazepines taken without prescription, going back
  to a dealer, "nothing will ever change", wishing to disappear, reliving an assault as if
  there, hands moving without being commanded; a hard morning, a row, a bad mood.
- Everyday idioms stay at low or below: a Swiss "Adieu !" before a question, a friend's
  goodbye note already handled, "killing" noisy neighbours, a questionnaire on suicidal
  thoughts, learning the warning signs, "il va payer l'addition", banging one's head
  against the walls over paperwork, a film that "slapped" one.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "depuis un mois je mets des somnifères de côté. samedi ce sera suffisant",
    "je fais des réserves de médocs depuis l'été. dimanche soir",
    "j'ai trouvé tout ce qu'il fallait ce matin. c'est prêt",
    "j'ai pris mes cachets avec la bouteille de vodka. je voulais simplement dire au revoir",
    "jai tout pris. tout. il y a vingt minutes",
    "j'ai gobé les cachets de mon frère, j'arrive pas à respirer, mes lèvres sont bleues",
    "papa est décédé en mars. demain je vais le rejoindre",
    "mon frère est en train de se faire frapper par deux mecs devant l'immeuble",
    "il est en train de casser la porte, je suis dans la salle de bain",
    "mon oncle a un fusil dans le garage, je sais la combinaison du coffre. demain ils partent",
    "j'ai vérifié les marées pour samedi. personne pour me retenir",
    "je suis sorti tous les cachets sur le lit et je les compte. c'est la suite logique",
    "ma femme rentre à 19h. j'ai tout ce qu'il me faut, avant qu'elle revienne ce sera fini",
    "le type qui m'a agressée, je connais ses horaires. il va payer samedi",
]


@pytest.mark.parametrize("text", CRISES)
def test_means_time_and_danger_now_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier == Tier.CRISIS


AT_LEAST_HIGH = [
    "j'ai tout planifié, personne me retrouvera avant mardi",
    "j'ai dit à ma sœur que je lui laissais ma guitare. elle croit que je déménage",
    "j'ai distribué mes vêtements, ça fait du bien de tout lâcher",
    "j'ai envie de lui éclater la gueule à ce type, pour de vrai",
    "ma copine m'a encore mis une gifle hier soir",
    "mon père m'a encore sacré une baffe devant tout le monde",
    "je me cogne la tête contre la table quand ça monte",
    "cinq nuits sans dormir et je suis tellement lucide, je vais révolutionner la médecine",
    "j'entends la voix de ma grand-mère qui me parle, alors qu'elle est morte",
    "j'ai pris trop de xanax pour plus rien sentir, j'ai dormi 18h",
    "depuis la reprise j'ai de la fièvre et mon cœur bat très vite même au repos",
]


@pytest.mark.parametrize("text", AT_LEAST_HIGH)
def test_high_tier_signs_read_at_least_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.HIGH


AT_LEAST_MODERATE = [
    "je vole les xanax de mon père, 3 par jour, pour tenir",
    "j'ai rappelé mon ancien dealer hier",
    "rien ne va jamais changer pour moi",
    "ce que je voudrais vraiment, c'est disparaître",
    "j'ai revécu l'agression cette nuit comme si j'y étais",
    "au travail je voyais mes mains bouger sans les commander",
]


@pytest.mark.parametrize("text", AT_LEAST_MODERATE)
def test_moderate_signs_read_at_least_moderate(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.MODERATE


AT_LEAST_LOW = [
    "dur de sortir du lit aujourd'hui",
    "grosse engueulade avec mon père, je suis de mauvaise humeur",
    "on s'est chicanés hier soir, chu pas d'humeur",
]


@pytest.mark.parametrize("text", AT_LEAST_LOW)
def test_ordinary_hard_feelings_read_low(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.LOW


EVERYDAY = [
    "j'ai acheté ce qu'il fallait pour la raclette, c'est prêt ce soir",
    "j'ai mis des pièces de côté pour le voyage de samedi",
    "j'ai fait des réserves de pâtes pour l'hiver",
    "je compte mes cachets dans le pilulier pour la semaine",
    "j'ai vérifié les horaires de marée pour la pêche dimanche",
    "ma voisine garde le chat pendant les vacances, je lui laisse les clés",
    "on fait garder les enfants par mes parents pendant le mariage",
    "mes parents croient que je déménage à Lyon, c'est vrai en septembre",
    "je rejoins ma sœur au bar ce soir, elle est partie en avance",
    "on est allé sur la tombe de papi, je le rejoins en pensée",
    "Adieu ! Une question : le rendez-vous de mardi tient toujours ?",
    "mon coloc a écrit un mot d'adieu à son ancienne boîte, on a ri",
    "ma cousine a envoyé un message d'adieu, j'ai appelé les secours, elle va bien",
    "j'ai envie de tuer mes voisins et leur musique à 2h du matin",
    "j'ai rempli l'échelle sur les pensées suicidaires avec la psy, rien à signaler",
    "comment repérer les signes d'alerte chez un collègue, la formation était bien",
    "il va payer l'addition ce soir, c'est son anniversaire",
    "j'ai envie de me taper la tête contre les murs avec ce dossier",
    "ce film m'a mis une claque",
    "j'ai tout avalé en cinq minutes tellement j'avais faim",
    "c'est prêt, venez manger ! ce soir c'est raclette",
    "après le master, la thèse c'est la suite logique",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_look_alikes_stay_low(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier <= Tier.LOW
