"""Spanish warning signs of a third clinical writer, each with its everyday look-alikes.

- An overdose whose count is lost ("ya no sé cuántas") is a crisis; pills left in a box,
  or beers counted with a laugh, are not.
- Thinking in earnest of swallowing the whole bottle is active ideation with a method.
- Saying one will not be at the next session "ni en ninguna otra", or asking forgiveness
  and closing with "me voy", is a farewell; missing one session for a trip is not.
- A last diary entry with "no fue su culpa" is farewell and finality; a last entry before
  a holiday is not.
- Papers put in order "para que sea fácil para ellos", insurance and passwords left, and
  children placed with an arrangement are several farewell acts; papers for the tax
  return, a car insured in a wife's name and a summer at the grandmother's are not.
- A voice speaking from a wall or inside the head, messages sent by number plates and
  signals passed by strangers are psychotic signs; neighbours heard through the wall and
  friends who text are not.
- Fainting with blurred sight, and confusion with great heat, are medical alarms after
  MDMA; falling asleep at once in bed is not.
- Scratching oneself until bleeding, again, is recent self-harm; a cat's scratch is not.
- A partner gripping one's neck is abuse; a tight collar is not.
- A threat to a sibling over a yoghurt is everyday.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "me tragué las pastis del psiquiatra con vino, no sé cuántas me tomé",
    "me tomé las pastillas para dormir de mi padre y ya no recuerdo cuántas",
    "sigo pensando en tragarme toda la caja de clonazepam, esta noche estoy sola",
    "no vengo a la siguiente sesión, ni a ninguna más",
    "perdonadme todo. esta noche me voy",
    "este es mi último registro. no fue culpa de la terapia",
    "ya hablé con mi hermana y sabe lo que tiene que hacer. el seguro está a nombre de "
    "ella y las contraseñas en el cajón. el sábado me voy al monte",
]

HIGH = [
    "pensé en serio en beberme el bote entero de pastillas",
    "escucho a mi abuela llamándome desde el armario",
    "lo que me grita dentro de mi cabeza no para",
    "las canciones de la radio me dan señales sobre lo que tengo que hacer",
    "en el metro la gente me mira y se hacen señas entre ellos",
    "me han implantado algo en la cabeza, lo noto",
    "me caí redondo en la cocina, no sé cuánto tiempo estuve ahí",
    "estoy desorientado, no sé qué día es y tengo demasiado calor",
    "me rasguñé la cara hasta sangrar otra vez",
    "mi marido me agarró del cuello y me empujó",
    "ordené mis papeles en sobres para que sea fácil para ellos",
    "los niños van a estar mejor con su tía. ya hablé con ella, sabe lo que tiene que hacer",
]

EVERYDAY = [
    "no sé cuántas pastillas me quedan en la caja",
    "pensé en tomarme un café y salir a correr",
    "no voy a estar para la próxima sesión porque estoy de viaje, la cambio",
    "mamá perdóname por lo de ayer, a las 3 paso a buscarte",
    "mi último diario antes de las vacaciones, qué semana tan buena",
    "ordené los papeles de la renta en carpetas, qué alivio",
    "el seguro del coche está a nombre de mi mujer, así que ella llamó al taller",
    "este verano los niños van a estar mejor con su abuela en el pueblo",
    "le vendí la bici a un amigo porque me compré otra",
    "oigo a los vecinos hablando a través de la pared",
    "mis amigos me mandan mensajes todo el día",
    "en el partido los jugadores se hacen señas",
    "me implantaron un diente nuevo, ya puedo comer",
    "llegué tan cansada que caí redonda en la cama",
    "esta camisa me aprieta el cuello",
    "la voy a matar a mi hermana cuando coja mi ropa otra vez",
    "dejo el perro con mi madre porque nos vamos una semana a la playa",
]


@pytest.mark.parametrize("text", CRISES)
def test_overdoses_plans_and_farewells_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier == Tier.CRISIS


@pytest.mark.parametrize("text", HIGH)
def test_psychotic_medical_self_harm_abuse_and_farewell_signs_are_high(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "es").tier >= Tier.HIGH


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_look_alikes_are_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier < Tier.MODERATE
