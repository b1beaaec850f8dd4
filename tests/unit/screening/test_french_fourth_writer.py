"""French warning signs a fourth writer's statements showed missing, written afresh as
whole families (other verbs, other objects, other word orders, texting and Québec forms,
no accents), each with its everyday look-alikes.

- Means at hand said plainly: pills in one's palm with a plea for God's forgiveness, a
  rope tied or ready (even after "j'y serai pas 😅", which no longer reads as negating
  it), pills hidden under the mattress with a day, morphine brought home with the doses
  known; an overdose said without a verb or with the participle after ("2 boîtes de
  stilnox avec de la vodka", "trente comprimés avalés"); swallowing under way ("j'ai
  commencé à les avaler"); "je vais m'endormir pour toujours" with a time; a door or a
  window being forced now. All crises.
- Farewells and finality: "il sait pas que c'était la dernière fois" with keys left, an
  account deleted with photos sent "pour qu'il ait des souvenirs de moi", "pardon pour la
  peine"; children or pets placed for good and "je peux m'en aller tranquille".
- Being there: on a window ledge or a parapet, legs over the drop; a car at the end of a
  jetty with the handbrake off.
- High-tier signs: voices saying one's name in the walls, cameras in the sockets, every
  sign or number "speaking", the TV speaking of the writer; an ex who harasses and lurks,
  threats to post intimate videos, a partner who pushed or squeezed one's neck; a blade
  held while writing to hold on; fever at 40 that paracetamol does not bring down, a fit
  in one's sleep with a bitten tongue; a threat to stab someone said seriously, looking up
  how to poison someone, fear of shaking one's baby; suicide become "une vraie option".
- Moderate and low: wishing a lorry would hit one, not caring what happens to oneself,
  "pourquoi je continue ?", waking up outside not knowing how, the same nightmare every
  night, back to day one after months sober, drinking again every night; a Québec
  "chu à boutte", on edge after a bad night.
- Everyday look-alikes stay below moderate: a cupboard door forced, a rope at the
  climbing wall, boxes of paracetamol and wine bought for a party, a last meal in a
  restaurant about to close, being pushed to apply for a job, an ex waiting at school for
  the children, a camera for the dog, "si je le croise je le plante là", a song that
  "speaks" to one, a fever that came down, a mower blade, fear of waking someone, coming
  out to one's family at a set hour, deciding to forgive, knees "finis", a nurse's
  patient admitted after an attempt, a farewell letter to a dead father as a therapy
  exercise, a farewell to the little girl one was.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "Que Dieu me pardonne. les cachets sont dans ma main.",
    "Allah me pardonnera. les comprimés sont dans ma paume",
    "t'inquiète pas pour samedi, j'y serai pas 😅 la corde est prête",
    "la corde est attachee. vendredi c'est fini",
    "les cachets sont sous le matelas. dimanche je le fais",
    "J'ai rapporté de l'hôpital assez de morphine. Je connais la dose.",
    "3 boîtes de xanax et une bouteille de vodka. je me sens léger",
    "2 boites de stilnox avec de la vodka, jvois flou",
    "40 cachets de doliprane avalés il y a une heure",
    "trente comprimes de seresta avales, jsuis calme",
    "j'ai déjà commencé à les avaler, je sais pas si je m'arrête",
    "je viens de commencer à gober les cachets un par un",
    "demain je vais m'endormir pour toujours",
    "Ce soir je vais me reposer pour toujours. Pardon pour la peine.",
    "quelqu'un essaie de forcer la porte, c'est mon ex",
    "y a un mec qui force la porte d'entree, c'est lui, il m'a retrouvee",
    "il sait pas que c'était la dernière fois qu'il me voyait. j'ai laissé les clés chez mon frère",
    "Facebook supprimé, j'ai envoyé les photos à mon frère pour qu'il ait des souvenirs "
    "de moi. tout est prêt.",
    "je n'irai pas plus loin. mes médicaments sont prêts et jeudi sera le jour",
    "assise sur la rambarde du balcon au 6e, les pieds dans le vide. ce soir",
    "chui stationné au bout de la jetée, frein à main desserré. demain matin on me trouvera",
    "si je revois mon beau-père dimanche je le poignarde. c'est pas une blague",
]

HIGHS = [
    # a decision to forgive is no figure of speech when the same sentence leaves for good
    "j'ai décidé de pardonner à tout le monde avant de partir pour toujours ce soir",
    "les petits sont chez ma sœur pour toujours. je peux m'en aller tranquille",
    "j'ai donné mon vélo et ma console à mon cousin, j'en aurai pus besoin",
    "jsuis assise sur le rebord de la fenetre du 5e les jambes dans le vide",
    "debout sur le parapet du pont, les jambes de l'autre côté",
    "une voix répète mon prénom dans le plafond depuis trois nuits",
    "ya des voix dans les murs qui disent mon nom",
    "il y a des micros dans les prises, ils m'enregistrent partout",
    "tous les panneaux me parlent, le 3 revient partout",
    "à la télé le présentateur parlait de moi",
    "mon ex me harcèle de messages et rôde en bas de chez moi",
    "il menace de diffuser nos vidéos si je le quitte",
    "ma blonde m'a poussé contre le mur hier",
    "mon chum m'a serrée au cou",
    "jtiens la lame la, j'ecris pour pas craquer",
    "température à 40, le doliprane ne fait rien depuis hier",
    "fièvre qui ne baisse pas et cœur qui cogne fort",
    "mon copain dit que j'ai eu genre une crise en dormant, je me suis mordu la langue",
    "j'ai cherché sur internet comment l'empoisonner",
    "mon bébé pleure sans arrêt, j'ai eu envie de le secouer",
    "j'ai failli la gifler ce matin, elle a 3 ans",
    "me suicider, ça devient une vraie option",
    "mourir, maintenant c'est une vraie option pour moi",
]

MODERATES = [
    "si un camion me percutait je serais pas malheureuse",
    "tomber gravement malade et mourir, ça m'irait",
    "je m'en fous de ce qui peut m'arriver",
    "ni de la famille ni du boulot ni de moi, plus rien",
    "je traverse au rouge sans regarder, tant pis si je me fais renverser",
    "pkoi je m'accroche ?",
    "reveillee dehors pieds nus, je sais pas comment je suis sortie",
    "toutes les nuits le même cauchemar, j'ose plus fermer l'oeil",
    "Retour à J1. 8 mois sans boire, foutus.",
    "J'avais tenu 2 ans sans toucher un verre. Hier j'ai craqué.",
    "je tise de nouveau tous les soirs",
]

LOWS = [
    "chu à boutte, grosse semaine",
    "à cran depuis hier, j'ai mal dormi",
]

EVERYDAY = [
    "Que Dieu me pardonne, j'ai mangé tout le gâteau",
    "la corde est accrochée au mur de la salle d'escalade",
    "j'ai acheté 2 boîtes de doliprane et du vin pour la fête",
    "deux boîtes de chocolats avec du vin, parfait pour ce soir",
    "il a forcé la porte du placard, elle était coincée",
    "elle sait pas que c'était la dernière fois qu'on allait dans ce resto, il ferme",
    "on était assis sur le bord du quai les pieds dans l'eau",
    "j'ai commencé à prendre mes médicaments et je me sens mieux",
    "les voisins parlent fort à travers les murs",
    "mon mari m'a poussée à postuler, il a eu raison",
    "mon chum m'a poussée en bas de la glissade, on a ri",
    "il m'a attrapée par le cou pour une photo",
    "ma mère me harcèle pour que je la rappelle",
    "mon ex m'attend devant l'école pour récupérer les enfants",
    "menace de publier mes photos de vacances sur insta, ma soeur rigole",
    "on a mis une caméra dans le salon pour surveiller le chien",
    "si je le croise je le plante là et je pars",
    "cette chanson me parle tellement",
    "mon fils a de la fièvre, le doliprane la fait baisser",
    "j'ai sorti la lame de la tondeuse pour l'aiguiser",
    "j'ai peur de la réveiller en rentrant tard",
    "je m'en fous de moi, de mon look, je suis en jogging",
    "pourquoi je continue à lui répondre ?",
    "je bois à nouveau du café le matin",
    "jour 1 à nouveau de mon régime",
    "le chien est chez mes parents pour de bon, ils ont un jardin. "
    "je peux partir tranquille au boulot",
    "je connais les doses par cœur, douze ans en réa",
    "Samedi 18h c'est décidé, j'annonce à mes parents que je suis enceinte",
    "Je me sens sereine depuis que j'ai décidé de tourner la page",
    "j'ai donné mon vélo à mon neveu, mon dos est fini",
    "une patiente admise pour une tentative de suicide ce matin, on l'a stabilisée",
    "lettre d'adieu à mon père décédé, exercice proposé par la psy",
    "J'ai écrit au revoir à la petite fille que j'étais, comme en séance. Je me sens légère.",
]


@pytest.mark.parametrize("text", CRISES)
def test_means_overdoses_and_danger_now_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier == Tier.CRISIS


@pytest.mark.parametrize("text", HIGHS)
def test_farewells_voices_violence_and_urges_are_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.HIGH


@pytest.mark.parametrize("text", MODERATES)
def test_passive_wishes_relapse_and_lost_time_are_moderate(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.MODERATE


@pytest.mark.parametrize("text", LOWS)
def test_a_hard_day_said_in_quebec_words_is_low(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier >= Tier.LOW


@pytest.mark.parametrize("text", EVERYDAY)
def test_errands_jokes_work_and_therapy_exercises_are_no_alert(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "fr").tier < Tier.MODERATE
