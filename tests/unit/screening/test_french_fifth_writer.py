"""French warning signs a fifth writer's statements showed missing, written afresh as
whole families (other verbs, other objects, other word orders, texting and Québec forms,
no accents), each with its everyday look-alikes.

- Means and acts under way: a truck or a snowmobile sold and only the rifle kept;
  "tt ce qui restait" swallowed; the engine running in a car with the windows up; the
  things one owns handed over "à partir de demain"; writing from a bridge or a roof; the
  next appointments cancelled with "une solution finale" hidden away; a ring or a watch
  given "il comprendra plus tard"; a date fixed on someone's birthday with a weapon
  loaded; a hose bought and the tank filled with a garage that locks from inside.
  All crises.
- High-tier signs: shoes left on the shore and walking into cold water; the top floor of
  a car park "ils auront pas loin à aller"; picturing hurting someone and feeling calmer;
  everything a sign, ancestors or a dead parent speaking, voices ordering to fast, to cut,
  to join the dead; no sleep with a mission to the president; searching for ways "de le
  faire" online; cutting or burning oneself again; a partner shutting one out of the
  house; trembling without answering at night, no memory of it.
- Moderate and low: welcoming a bus or a meteorite "je dirais merci"; "je n'ai plus
  d'espoir" (no longer read as negated); a parent's benzos taken without a prescription;
  months without a drink broken; a capsule retaken outside the protocol; a noise that
  throws one back there, hiding; nothing good ahead, healing pointless, broken for good;
  angry ("vener") at someone.
- Everyday look-alikes stay below moderate: a bridge with a sunset, a rooftop terrace, a
  garden hose, a cake one looks up how to make, burying the hatchet, a cat minded during
  a stay away, "(blague)" after a hyperbole, one's mother calling for dinner, the GPS
  voice, tools given at retirement, a broken computer, a swim, a hunting rifle, a
  surprise party, shopping on the top floor of a mall, a watch given as a present.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "motoneige vendue, quad donné à mon cousin. il me reste juste le fusil au chalet.",
    "jai gobé tt ce qui restait dans l'armoire, jvois flou",
    (
        "je suis dans l'auto au fond du stationnement, le moteur tourne, les vitres sont "
        "remontées. dites-y que c'est pas d'sa faute"
    ),
    "frero tu prends la ps5 et mes fringues, j'en aurai pu besoin à partir de demain",
    "je t'écris depuis le pont, il fait noir",
    (
        "Annulez mon rdv de lundi et ceux d'après. J'ai trouvé une solution finale, "
        "elle est sous le matelas."
    ),
    "j'ai donné ma bague à ma nièce. elle comprendra plus tard",
    "j'ai choisi la date : le jour de son anniversaire. la carabine est chargée",
    "acheté un boyau et fait le plein hier. le garage se verrouille de l'intérieur",
]

HIGHS = [
    "J'ai pris ma décision. Tout devient si léger, je dis au revoir à tous.",
    "Mes baskets sont sur le sable. La mer est glacée. J'avance.",
    "l'eau m'arrive à la taille. je continue d'avancer.",
    "le dernier étage de la tour, c'est parfait, ils auront pas loin à aller",
    "je me vois le frapper jusqu'à ce qu'il bouge plus, ça me soulage",
    "tout est un signe, les chiffres sur les tickets, les couleurs des voitures",
    "les ancêtres me parlent toute la nuit",
    "ils me disent que je dois me purifier en arrêtant de manger",
    "la voix me dit de me couper, elle crie plus fort chaque jour",
    "j'entends mon père qui me parle la nuit, il dit que je dois le rejoindre",
    "jdors pu, j'ai pas besoin, faut que je parle au président avant lundi",
    "je regarde des façons de mourir en ligne depuis hier",
    "je me suis encore une fois brûlée avec le briquet",
    "ma blonde m'a mis dehors en plein hiver encore",
    "cette nuit je tremblais et je répondais plus, ma femme a eu peur, je me souviens de rien",
    "j'entends ma grand-mère qui m'appelle la nuit, elle est morte en mai",
]

MODERATES = [
    "si un bus me renverse demain, franchement je dirais merci",
    "je n'ai plus d'espoir pour rien",
    "je pique les xanax de mon père sans ordonnance, pour tenir",
    "ça faisait huit mois que j'avais rien bu et j'ai tout repris hier",
    "repris deux gélules hors protocole pour retrouver l'effet",
    "le bruit d'un pétard m'a ramenée direct là-bas, je me suis cachée sous une table",
    "il y a rien de bon qui m'attend",
    "ça sert à rien d'essayer de m'en sortir, je suis brisée pour de bon",
]

LOWS = [
    "trop vener contre mon boss aujourd'hui",
]

EVERYDAY = [
    # a height visited for the view, photos or friends is an outing, unless it jumps or ends
    "je suis sur le toit de l'immeuble pour la fête des voisins",
    "Avec le nouveau logiciel tout devient simple au bureau",
    "Je suis sur le pont du bateau, coucher de soleil magnifique",
    "je vous écris du toit-terrasse de l'hôtel, il fait beau",
    "j'ai acheté un tuyau d'arrosage et fait le plein de terreau",
    "je cherche des façons de le faire plus vite, ce gâteau",
    "on a enterré la hache de guerre avec ma soeur, enfin",
    "le chat va chez ma mère durant mon séjour à Lyon, tout est organisé",
    "encore une réunion de plus et je me pends (blague)",
    "j'entends ma mère qui m'appelle pour le dîner",
    "la voix du GPS me dit de tourner à droite",
    "j'ai donné mes outils aux jeunes apprentis, c'est la retraite demain",
    "je me vois lui faire un gâteau pour son anniversaire",
    "mon ordi est cassé pour de bon",
    "je garde le fusil pour la chasse ce weekend",
    "c'est pour moi qu'on a tout organisé, une fête surprise, trop touchée",
    "j'ai passé l'après-midi au dernier étage du centre commercial à faire les soldes",
    "si une tuile me tombe dessus je dirai que c'est la faute du voisin",
    "j'ai offert une montre à mon père pour ses 60 ans",
]


@pytest.mark.parametrize("text", CRISES)
def test_means_acts_under_way_and_farewells_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier == Tier.CRISIS


@pytest.mark.parametrize("text", HIGHS)
def test_drowning_voices_mania_and_violence_are_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.HIGH


@pytest.mark.parametrize("text", MODERATES)
def test_passive_wishes_hopelessness_and_relapse_are_moderate(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "fr").tier >= Tier.MODERATE


@pytest.mark.parametrize("text", LOWS)
def test_anger_at_someone_is_low(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.LOW


@pytest.mark.parametrize("text", EVERYDAY)
def test_views_hobbies_jokes_and_presents_are_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier < Tier.MODERATE


def test_a_swim_in_cold_water_is_no_alert_to_the_rules(screener: Screener) -> None:
    # The learned layer raises it to moderate (a known limit, docs/screening.md); the rules
    # read walking into the water as a swim.
    text = "mes chaussures sont sur la plage, j'avance dans l'eau pour nager, brr"
    assert screener.screen(text, "fr", learned=False).tier < Tier.MODERATE
