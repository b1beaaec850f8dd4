"""French warning signs that a new clinical writer's statements showed missing, each
family with its everyday look-alikes.

- Crisis: a death announced for when the message is read ("quand tu liras ça, il sera
  trop tard"), no more replies to come, knowing how one will die, the way found "without
  pain" with a day, a lethal place reached (the edge of a roof, beside the tracks), a loaded
  gun on one's knees, knowing where the morphine is kept, an electrical appliance by the
  bath, a car aimed at a bridge pier, a large number of pills or a caustic product just
  swallowed, pills taken with alcohol, a place where nobody will come with a weapon at
  hand, debts settled with a letter to the children and peace with the decision, a last
  embrace, a message scheduled for the therapist "she'll understand when she reads it".
- High: seriously thinking of stopping living, mania (nights without sleep with ideas of
  saving the world, feeling like God), persecution (the therapist working for the police
  to trap the writer, followed for days by the same car), being cornered and groped,
  water drunk non-stop with dizziness and nausea after a session.
- Moderate: an overwhelming flashback, control and fear in the couple, a redose the day
  after a session, new ecstasy bought, dying in a dream and waking disappointed, no longer
  leaving one's bed, nobody able to help.
- Low: a rotten day and being washed out, a session that stirred things up.
- No alert: the boss who will "kill" the writer, a cut while chopping food, a retreat
  without a phone announced as "tomorrow I won't be here".
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "quand tu liras ce message ce sera déjà trop tard",
    "si vous lisez ceci demain, c'est trop tard",
    "j'ai trouvé le moyen de mourir sans souffrir. dimanche",
    "je sais où ma mère cache ses somnifères. samedi",
    "le pistolet est chargé sur mes genoux. j'ai fini d'hésiter",
    "je vise le platane au prochain virage",
    "j'ai bu du vin avec toutes mes pilules, je veux que ça s'arrête",
    "je viens d'avaler 30 cachets de xanax",
    "j'ai gobé une trentaine de somnifères",
    "j'ai avalé de l'ammoniaque, j'ai mal",
    "je suis dans le bain avec le radiateur à côté, je voulais juste écrire un dernier mot",
    "lettre aux enfants écrite, dettes remboursées, je suis en paix avec ma décision",
    "le message pour ma soeur est programmé pour ce soir. elle comprendra en le lisant",
]


@pytest.mark.parametrize("text", CRISES)
def test_plans_means_and_farewells_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier == Tier.CRISIS


AT_LEAST_HIGH = [
    "depuis que je sais comment je vais mourir je me sens tellement calme",
    "jsais comment je vais en finir, j'ai plus peur de rien",
    "oubliez mes prochains messages, y en aura plus",
    "je suis assise sur le bord du pont, ça souffle",
    "jsuis au bord des rails",
    "j'ai choisi la méthode, sans douleur, demain soir",
    "adieu. vous avez été bons avec moi",
    "loyer payé d'avance, lettre aux enfants écrite",
    "merci pour tout. je crois que j'étais irréparable. prenez soin des autres",
    "j'ai serré mes filles dans mes bras pour la dernière fois ce soir",
    "j'envisage sérieusement d'arrêter de vivre",
    "je songe à cesser de vivre",
    "3 nuits blanches et des idées de génie pour changer le monde",
    "je me sens dieu depuis ce matin",
    "je suis sûre que mes voisins bossent pour la police et filment tout pour me piéger",
    "quelqu'un me suit depuis une semaine, toujours la même voiture noire",
    "mon chef m'a coincée dans le bureau et a mis ses mains sur moi",
    "j'ai bu 5 litres d'eau depuis la séance, j'ai la tête qui tourne et envie de vomir",
]


@pytest.mark.parametrize("text", AT_LEAST_HIGH)
def test_plans_farewells_and_high_tier_signs_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.HIGH


AT_LEAST_MODERATE = [
    "encore un flashback ce matin, j'étais de nouveau là-bas, figée",
    "ma copine fouille mon portable tous les soirs, je marche sur des oeufs",
    "j'ai peur de rentrer, il hurle depuis ce matin",
    "j'ai pris une demi dose de plus le lendemain pour retrouver l'effet",
    "j'ai racheté du taz pour samedi",
    "dans mes rêves je meurs et au réveil je suis déçue",
    "je sors plus de ma chambre depuis 10 jours",
    "personne ne peut m'aider",
]


@pytest.mark.parametrize("text", AT_LEAST_MODERATE)
def test_distress_control_and_redosing_are_moderate(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.MODERATE


LOW = [
    "je suis complètement lessivée après cette semaine",
    "la séance a remué plein de trucs avec ma mère",
]


@pytest.mark.parametrize("text", LOW)
def test_a_hard_day_is_worth_a_glance(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.LOW


EVERYDAY = [
    "je sais comment je vais partir en vacances cet été",
    "si tu lis ça après midi c'est trop tard pour le bus",
    "je monte au chalet ce weekend, personne va me déranger, je vais lire",
    "j'ai avalé 2 doliprane pour ma migraine",
    "je suis assise au bord de la piscine avec un livre",
    "j'ai trouvé le moyen de payer moins d'impôts, dimanche je remplis le formulaire",
    "le radiateur de la salle de bain est en panne, la baignoire est froide",
    "merci, vous avez été gentils avec moi pendant mon séjour à l'hôpital",
    "factures payées, lettre aux enfants pour leur rentrée écrite, je suis fière de moi",
    "le portable est chargé sur mes genoux, je regarde une série",
    "je vise la première place au concours de pétanque",
    "j'ai acheté du déboucheur pour l'évier",
    "le mail pour le client est programmé pour demain 9h",
    "nuit blanche à réviser, j'ai des idées pour mon mémoire",
    "je me sens un dieu du stade après le match",
    "ma voisine travaille pour la police",
    "ma fille a mis ses mains sur mes joues pour me faire un bisou",
    "je songe à arrêter de fumer",
    "le film est plein de flashbacks, j'ai adoré",
    "au boulot je marche sur des oeufs avec le nouveau chef",
    "je me réveille déçue, mon rêve était trop beau",
    "personne peut m'aider à déménager samedi?",
    "j'ai fait la lessive et le ménage",
    "mon prof va me tuer, j'ai pas fait le devoir",
    "je me suis coupée en hachant le persil",
    "demain je serai plus là, stage de yoga sans téléphone, je reviens dans 5 jours",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_look_alikes_raise_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier <= Tier.LOW


def test_a_dog_following_its_owner_is_no_persecution_to_the_rules(screener: Screener) -> None:
    # No rule reads persecution here; the learned layer, trained on being followed "depuis"
    # somewhere "partout", raises it on its words (a known limit, docs/screening.md).
    verdict = screener.screen("mon chien me suit depuis ce matin partout", "fr", learned=False)
    assert verdict.tier <= Tier.LOW


# The rules hold these below an alert; the learned layer, with the high head's threshold
# at 0.5 since the round of the `u` writers, raises them (a known limit, docs/screening.md).
RAISED_BY_THE_LAYER = [
    "des messages ? y en aura pas ce weekend, je suis en vacances",
]


@pytest.mark.parametrize("text", RAISED_BY_THE_LAYER)
def test_look_alikes_the_layer_raises_stay_below_an_alert_by_the_rules(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "fr", learned=False).tier < Tier.MODERATE
