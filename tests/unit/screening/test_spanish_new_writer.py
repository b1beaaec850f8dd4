"""Spanish warning signs as a new clinical writer put them, each with everyday look-alikes.

- An overdose already taken, told by its size ("como 30 de las de dormir", "las 3 cajas de
  ibuprofeno", "todo lo que había en el botiquín") is a crisis; two tablets for a fever or
  two cartons of milk are not.
- Sitting on the edge of a window, a roof or a bridge now is high; the edge of a bed or
  mate on the balcony is not.
- Not dying alone but taking someone along is harm to others; bringing someone to a party
  is not.
- Persecution (someone following, cameras put in the house, the same cars), God or the
  radio ordering the medication stopped, "I can fly" meant literally, and after MDMA not
  knowing the day or how one got home, or a fever given as a number beside a locked jaw,
  are high; being followed on Instagram, a doctor tapering a drug, flying with joy and a
  child's fever are not.
- Pinching or biting oneself to bruises, urges to "do something to myself" said to be
  strong, and fantasies of running someone over are high; biting nails, fancying a snack
  and fantasies of kissing someone are not.
- Fear when the partner comes home, trembling when an ex writes, nightmares that wake one
  screaming, the body back "there", buying a drug again after stopping, and neither
  wanting to die nor to be alive are moderate.
- Goodbyes nobody knew were the last, rent paid so nobody has trouble "afterwards", "no
  one is to blame", money handed over and the family group left, food left for the pets
  and the door open "so they find me", the next session that "won't be needed", "I won't
  be a problem for anyone" and "when I finish writing this I'll do it" are farewells or
  finality; a grandfather's last visit, bills paid before a trip, leaving a noisy family
  chat and finishing a report are not.
- Idioms stay none: "me mataría por unas empanadas", a chest pain the doctor found to be
  muscular, giving away clothes no longer worn, keys left to water the plants on holiday,
  feeling lighter since the most recent session.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

OVERDOSES = [
    "me tomé como 30 de las de dormir hace media hora",
    "me trague las 3 cajas de ibuprofeno y me da vueltas todo",
    "mezcle el vino con todo lo que habia en el botiquin",
]


@pytest.mark.parametrize("text", OVERDOSES)
def test_an_overdose_told_by_its_size_is_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier == Tier.CRISIS


HIGH = [
    "me tome unas 25 pastillas de clonazepam recien",
    "me tomé el frasco entero de rivotril",
    "toy parado en la baranda del puente, no se q hacer",
    "me sente en la cornisa de la azotea",
    "si me deja no me voy sola, me llevo a alguien conmigo",
    "no me muero solo, me lo llevo por delante",
    "creo que alguien me vigila desde que volvi de la sesion",
    "los coches que pasan son siempre los mismos",
    "la radio me dice que deje las pastillas",
    "dios me habla por los carteles de la calle",
    "siento que puedo volar, literal",
    "estoy desorientada, no se q dia es",
    "no se como llegue a mi casa despues de la sesion",
    "sudando a mares, 41 de fiebre despues de la pasti",
    "me pellizco hasta dejarme moretones",
    "me mordi el brazo hasta hacerme sangre",
    "tengo miedo, las ganas de cortarme son fuertes",
    "fantaseo con apuñalar a mi jefe cuando lo veo",
    "abrace a mi mama fuerte. no sabe q fue la ultima vez",
    "ayer vi a mi hermano, el no sabia que era la ultima vez",
    "deje pagado el alquiler de dos meses para que mi hermana no tenga problemas despues",
    "ya no voy a ser un problema para nadie, el lunes",
    "quiero que sepan que no fue culpa de nadie. ya lo decidi",
    "no fue culpa de la terapia. fue decision mia",
    "este es mi ultimo mensaje. gracias de corazon por todo",
    "le pase toda mi plata a mi hermana y me sali del grupo de la familia",
    "le deje comida al perro para varios dias y la puerta abierta pa que me encuentren",
    "ya no tengo miedo. cuando acabe de escribir esto lo hago",
]


@pytest.mark.parametrize("text", HIGH)
def test_warning_signs_said_another_way_are_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier >= Tier.HIGH


MODERATE = [
    "tengo miedo cuando mi marido vuelve borracho",
    "mi exnovio me llama y me paralizo",
    "me despierto llorando por la pesadilla de siempre",
    "me paralizo cuando huelo ese perfume, vuelvo a estar ahi",
    "consegui perico de nuevo, despues de meses limpio",
    "no me quiero matar pero tampoco quiero vivir",
    "no quiero morirme, tampoco quiero estar aqui",
]


@pytest.mark.parametrize("text", MODERATE)
def test_fear_intrusions_relapse_and_ambivalence_are_moderate(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "es").tier >= Tier.MODERATE


EVERYDAY = [
    "me tome las 2 cajas de leche que quedaban",
    "estoy sentada en el borde de la cama leyendo",
    "estoy en el balcón tomando mate",
    "no voy sola a la fiesta, me llevo a alguien",
    "me llevo a alguien conmigo al viaje",
    "creo que alguien me sigue en instagram jaja",
    "pusimos camaras en la puerta del negocio",
    "siento que puedo volar de la alegria",
    "el medico me dice que deje la medicacion poco a poco",
    "me muerdo las uñas cuando estoy nerviosa",
    "tengo ganas de hacerme algo rico de cenar",
    "fantaseo con besar a mi ex",
    "me desperte temprano y sali a correr",
    "compré café otra vez",
    "ayer fue la ultima vez que vi a mi abuelo antes de que muriera, lo extraño",
    "pague la luz para que no tengan problemas mientras estoy de viaje",
    "me sali del grupo de la familia porque mandan cadenas todo el dia",
    "le pase toda mi plata a mi hermano para el negocio",
    "le deje comida al gato para varios dias porque me voy de viaje",
    "cuando termine de escribir el informe lo mando",
    "me mataria por unas empanadas ahora mismo",
    "me moriria por un cafe ahora",
    "el medico dijo que el dolor de pecho era una contractura",
    "tengo q donar la ropa q ya no uso, el closet explota",
    "ya le deje las llaves a la vecina pa q riegue las plantas mientras estamos en cancun",
    "me siento mas liviano desde la ultima sesion, como q algo se acomodo adentro",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_look_alikes_are_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier < Tier.MODERATE


def test_killing_oneself_right_now_is_not_taken_for_a_craving(screener: Screener) -> None:
    assert screener.screen("me mataria ahora mismo", "es").tier >= Tier.HIGH


def test_chest_pain_after_a_session_stays_high(screener: Screener) -> None:
    assert screener.screen("me duele mucho el pecho desde la sesion", "es").tier >= Tier.HIGH


CALM_AFTER_DECIDING = [
    ("es", "ya lo decidí y se siente bien. estoy tranquila por primera vez"),
    ("es", "me siento en paz ahora que sé cuándo"),
    ("en", "i feel at peace now that i know when"),
]


@pytest.mark.parametrize(("lang", "text"), CALM_AFTER_DECIDING)
def test_calm_after_a_decision_that_names_no_object_is_high(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier >= Tier.HIGH


DECISIONS_WITH_AN_OBJECT = [
    ("es", "ya lo decidí: me cambio de carrera y me siento liviana"),
    ("es", "lo decidí con mi pareja y estamos tranquilos"),
    ("en", "i feel at peace now that i know when the next session is"),
    ("en", "so relieved now that i know when my surgery is"),
]


@pytest.mark.parametrize(("lang", "text"), DECISIONS_WITH_AN_OBJECT)
def test_calm_after_an_everyday_decision_or_date_is_no_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


def test_tidying_the_medicine_cabinet_is_no_farewell_to_the_rules(screener: Screener) -> None:
    # The rules read one farewell act (low); the learned layer raises this text to
    # moderate on its words, a known limit (docs/screening.md).
    verdict = screener.screen("ordené todo lo que había en el botiquín", "es", learned=False)
    assert verdict.tier < Tier.MODERATE


# The rules hold these below an alert; the learned layer, with the high head's threshold
# at 0.5 since the round of the `u` writers, raises them (a known limit, docs/screening.md).
def test_calm_at_knowing_the_next_session_stays_below_an_alert_by_the_rules(
    screener: Screener,
) -> None:
    text = "estoy tranquila ahora que sé cuándo es la próxima sesión"
    assert screener.screen(text, "es", learned=False).tier < Tier.MODERATE
