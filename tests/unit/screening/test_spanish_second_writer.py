"""Spanish warning signs as a second clinical writer put them, with their look-alikes.

Each family is written in words other than the ones that showed it missing, and each
has everyday texts that must stay at low or below.

- Crisis signs said without a risk word: the calm or peace that follows a decision or a
  date that is set; pills taken with spirits while the room spins; repeated doses with
  sleeping pills; pills counted out; how much of a drug it takes not to wake up; a
  goodbye friends took as a joke; a pet left with someone for good under a cover story;
  a goodbye e-mail to the therapist and no other session; a secret only the diary knows;
  a day from which the life insurance pays; clarity with lines cancelled and passwords
  left. Read at high or above.
- High-tier signs: being filmed through a socket or followed from a place; the therapist
  passing recordings to the police; a voice inside the head that is not one's own; the
  body moved by someone else; a dead relative speaking through the radio; mind reading,
  spending and a racing voice with no sleep; the heart out of step or a seizure seen by
  someone else, fever "through the roof" with confusion after a session; hitting a
  mirror or a wall until the knuckles break; the idea of pushing a stranger onto the
  tracks.
- Moderate: superlative tiredness of living, not knowing what one goes on for, flashbacks
  of an event that do not stop, no strength even to cry, a complete disconnection,
  hiding from a drinking partner, living on a partner's moods.
- Low: a bad day, a row with a sister.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISIS_SIGNS = [
    "ya lo decidí y al fin hay paz en mi cabeza",
    "estoy serena. lo tengo decidido y siento paz",
    "desde que elegí el día duermo de maravilla",
    "trague todas mis pastillas con ron y todo me da vueltas",
    "tomé los somníferos con whisky, me mareo mucho",
    "me acabo de meter otra y otra, y encima unas para dormir",
    "tengo 30 clonazepam contados en la mesita",
    "cuánto paracetamol hace falta para no despertar? tengo tres cajas",
    "me despedí de mis compañeros y creyeron que era broma. no lo era",
    "le pedí a mi vecina que se quede con mi perro para siempre. cree que es por un viaje",
    "hablé con el refugio para que adopten a mi gata. le dije a todos que me voy a vivir "
    "fuera. no me voy a vivir a ningún sitio",
    "le escribí un mail a mi psicóloga dándole las gracias y despidiéndome. no voy a ir a "
    "ninguna otra sesión",
    "hoy es la noche. solo lo sabe esta libreta",
    "revisé el seguro de vida: si lo hago a partir del viernes, cubre. mis hijos estarán bien",
    "tengo mucha claridad desde el domingo. he dado de baja el móvil y dejé a mi hermana "
    "una lista con las contraseñas. El sábado lo hago.",
    "llevo dos días sin beber ni comer a propósito. quiero que esto se acabe así, lento",
    "estoy sentada en la orilla del mar, hace frío pero ya da igual",
]


@pytest.mark.parametrize("text", CRISIS_SIGNS)
def test_crisis_signs_without_a_risk_word_are_at_least_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier >= Tier.HIGH


HIGH_SIGNS = [
    "la vecina me graba por el detector de humo",
    "creo q me persiguen desde el hospital",
    "estoy segura de que mi psiquiatra manda mis audios al gobierno",
    "escucho a alguien susurrándome dentro de la cabeza",
    "mis brazos los mueve alguien, no soy yo",
    "oigo a mi tío, que murió en marzo, llamarme por el teléfono",
    "llevo desde el lunes durmiendo dos horas y me sobra energía, voy a cambiar el mundo",
    "no he dormido en 4 días, hablo muy rápido y me gasté los ahorros en cripto",
    "no duermo desde el jueves y puedo leerle la mente a todo el mundo",
    "me va el corazón a trompicones y me mareo al levantarme desde la sesión",
    "mi novia dice que me sacudía todo el cuerpo y no respondía, me mordí la lengua",
    "estoy muy desorientada y tengo la fiebre por las nubes desde la sesión",
    "le di puñetazos a la pared hasta sangrar para sentir algo",
    "se me cruzó la idea de empujar a un hombre al andén del metro",
]


@pytest.mark.parametrize("text", HIGH_SIGNS)
def test_high_tier_signs_said_plainly(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier >= Tier.HIGH


MODERATE_SIGNS = [
    "estoy hartísima de vivir",
    "no sé para qué sigo viva",
    "los flashbacks de la agresión no paran",
    "mi novio bebe y se pone agresivo, yo me escondo en el baño por si acaso",
    "vivo pendiente de su humor, me da pánico que se enfade",
    "no tengo fuerzas ni para llorar",
    "me desconecté por completo en el trabajo, no sabía dónde estaba ni quién era",
]


@pytest.mark.parametrize("text", MODERATE_SIGNS)
def test_moderate_signs(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier >= Tier.MODERATE


LOW_SIGNS = [
    "mal día en la oficina",
    "me peleé con mi novio y estoy de mal humor",
]


@pytest.mark.parametrize("text", LOW_SIGNS)
def test_ordinary_hard_days_are_worth_a_glance(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier >= Tier.LOW


EVERYDAY = [
    # a date, a decision, a move
    "desde que puse fecha para la boda duermo fatal",
    "ya lo decidí: me cambio de piso y hay paz en casa",
    "le dejé el gato a mi madre mientras estoy de vacaciones",
    "le mandé un correo a mi terapeuta para cambiar la cita del martes",
    "les conté lo del ascenso y pensaron que era broma",
    # pills and places
    "me tome las pastillas con agua y me fui a dormir",
    "cuánto ibuprofeno hace falta para el dolor de muelas?",
    "estamos en la orilla del río haciendo un picnic",
    # look-alikes of paranoia, voices and mania
    "creo que me siguen queriendo aunque me fui lejos",
    "creo que me siguen en instagram unos bots",
    "tengo esa canción sonando en la cabeza todo el día",
    "con el bebé duermo dos horas y estoy destrozada",
    # objects, pushing, hyperbole
    "le pegué al balón con todas mis fuerzas",
    "me dieron ganas de empujar a mi primo a la piscina jaja",
    "me mató el examen de hoy",
    "me mataron los entrenamientos esta semana",
    "no sé para qué sigo en este grupo jaja",
    "me desconecté del móvil todo el finde",
    # love said again, papers signed together
    "hoy le dije a mi papá que lo quiero, hacía mucho que no",
    "con mi marido fuimos a firmar poderes notariales y el testamento, quién se queda con la casa",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_look_alikes_stay_low(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier <= Tier.LOW


def test_a_day_after_me_mato_is_still_intent(screener: Screener) -> None:
    # the match that "killed" me is hyperbole; killing oneself on a day is not
    assert screener.screen("me mato el domingo", "es").tier == Tier.CRISIS
