"""Plans and preparations said plainly, in every language, and the everyday words that
share them.

- Looking up a lethal dose is researching a method (C-SSRS: preparatory behaviour), in
  any inflection ("tödlichen Dosen", "dosis letales"); looking up calories is not.
- Stockpiling is gathering medicine over time ("hoarding", "juntando", "horten",
  "stocker"). Putting the week's pills in a drawer, or out of a child's reach, is storage:
  alone it is no alert.
- A plan of one's own, said as such ("I know where and when now.", "j'ai un plan" beside
  an end) is an alert, and a crisis beside a time, a decision or an end; knowing where and
  when a concert is, or having a plan for Saturday, is not.
- Means laid out ("die Klinge zurechtgelegt", "the pills next to the letter") with a time
  or a farewell is a crisis; a kitchen knife laid out for dinner is not.
- German separable verbs: "ich tu mir heute was an" is "mir was antun"; "ich tu mir was
  Gutes an" (a treat) is not.
- Intent to hurt oneself in Spanish ("me voy a hacer daño") is self-harm intent; a haircut
  ("me voy a cortar el pelo") is not.
- Farewells: things given away and the pets already with family, with a time, are a
  crisis in every language; the cat with a parent during a holiday is not.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

# -- a method researched -----------------------------------------------------------------

RESEARCHED = [
    ("en", "googled lethal doses"),
    ("de", "hab nach tödlichen dosen gegoogelt"),
    ("es", "busqué en google dosis letales"),
    ("fr", "j'ai cherché les doses mortelles sur google"),
]


@pytest.mark.parametrize(("lang", "text"), RESEARCHED)
def test_a_lethal_dose_looked_up_is_an_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier >= Tier.HIGH


LOOKED_UP_EVERYDAY = [
    ("en", "googled how many calories are in a banana"),
    ("de", "hab die nebenwirkungen von meinen neuen tabletten gegoogelt"),
    ("es", "busqué en google cuántas calorías tiene un plátano"),
]


@pytest.mark.parametrize(("lang", "text"), LOOKED_UP_EVERYDAY)
def test_everyday_look_ups_are_no_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


# -- stockpiling and storage ---------------------------------------------------------------

STOCKPILED = [
    ("en", "i started hoarding pills"),
    ("de", "ich hab angefangen tabletten zu horten"),
    ("es", "llevo semanas juntando pastillas, ya tengo como 60"),
    ("es", "empecé a guardar pastillas"),
    ("fr", "j'ai commencé à stocker des médicaments"),
    ("fr", "ça fait une semaine que je garde mes cachets au lieu de les prendre"),
]


@pytest.mark.parametrize(("lang", "text"), STOCKPILED)
def test_medicine_gathered_over_time_is_an_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier >= Tier.HIGH


STORED = [
    ("en", "i hid my pills from the kids so they can't reach them"),
    ("de", "die tabletten hab ich versteckt, damit die kinder nicht rankommen"),
    ("es", "guardé las pastillas en el cajón de la cocina"),
    ("fr", "je garde mes médicaments dans la salle de bain"),
    ("fr", "je garde mes médicaments au frigo"),
]


@pytest.mark.parametrize(("lang", "text"), STORED)
def test_medicine_stored_or_kept_from_children_is_no_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


# -- a plan of one's own -----------------------------------------------------------------

PLAN_KNOWN = [
    ("en", "i know where and when now. it feels good to have finally decided"),
    ("de", "ich weiß jetzt wo und wann. es fühlt sich gut an endlich entschieden zu haben"),
    ("es", "ya sé dónde y cuándo. se siente bien haberlo decidido por fin"),
    ("fr", "je sais maintenant où et quand. ça fait du bien d'avoir enfin décidé"),
    ("de", "ich werde nicht mehr lange hier sein. ich habe einen plan"),
    ("es", "no voy a estar mucho más tiempo aquí. tengo un plan"),
    ("fr", "je serai plus là très longtemps. j'ai un plan"),
    ("fr", "j'ai envie de me tuer et cette fois j'ai un plan"),
    ("de", "ich will mich umbringen und diesmal hab ich einen plan"),
]


@pytest.mark.parametrize(("lang", "text"), PLAN_KNOWN)
def test_a_plan_beside_a_decision_or_an_end_is_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


PLAN_EVERYDAY = [
    ("fr", "je sais où et quand a lieu le concert"),
    ("de", "keine sorge, ich hab einen plan für samstag"),
    ("de", "ich habe keinen plan."),
]


@pytest.mark.parametrize(("lang", "text"), PLAN_EVERYDAY)
def test_everyday_plans_are_no_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


# The learned layer reads a plan's words here and raises these two (a known limit, see
# docs/screening.md): the rules themselves find nothing.
@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "i know where and when the concert is"),
        ("de", "ich weiß jetzt wo und wann das konzert ist"),
    ],
)
def test_the_rules_read_no_plan_in_a_concert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang, learned=False).tier == Tier.NONE


def test_a_plan_denied_is_not_a_decision(screener: Screener) -> None:
    verdict = screener.screen("Ce n'est pas que j'ai un plan, c'est juste que c'est là", "fr")
    assert "calm_decided" not in verdict.constructs
    assert verdict.tier < Tier.CRISIS


# -- means laid out ------------------------------------------------------------------------

LAID_OUT = [
    ("de", "hab mir alles zurechtgelegt, die klinge, das handtuch. heute abend"),
    ("de", "der brief liegt auf dem tisch, die pillen daneben. morgen früh"),
    ("en", "the letter is on the table, the pills next to it. tomorrow morning"),
    (
        "de",
        "hab mein testament gemacht und die briefe liegen auf dem schreibtisch. "
        "morgen ist es soweit",
    ),
]


@pytest.mark.parametrize(("lang", "text"), LAID_OUT)
def test_means_laid_out_with_a_time_or_a_farewell_is_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


LAID_OUT_EVERYDAY = [
    ("de", "hab das messer und das brett für das gemüse zurechtgelegt, heute abend kochen wir"),
    ("en", "i'll pick up my pills next week"),
]


@pytest.mark.parametrize(("lang", "text"), LAID_OUT_EVERYDAY)
def test_kitchen_and_pharmacy_are_no_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


# -- German separable verbs ----------------------------------------------------------------


def test_separable_antun_is_ideation(screener: Screener) -> None:
    verdict = screener.screen("ich glaub ich tu mir heute was an", "de")
    assert verdict.tier >= Tier.HIGH
    assert "ideation" in verdict.constructs


@pytest.mark.parametrize(
    "text",
    [
        "ich tu mir heute was gutes an, badewanne und buch",
        "ich will mir heute was gutes antun",
        "heute tu ich mir was schönes an und geh in die sauna",
    ],
)
def test_a_treat_is_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "de").tier < Tier.MODERATE


# -- Spanish self-harm intent --------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["creo que hoy me voy a hacer daño", "tengo ganas de cortarme", "me quiero lastimar"]
)
def test_spanish_self_harm_intent_is_an_alert(screener: Screener, text: str) -> None:
    verdict = screener.screen(text, "es")
    assert verdict.tier >= Tier.HIGH
    assert "self_harm" in verdict.categories


@pytest.mark.parametrize(
    "text", ["me voy a cortar el pelo el sábado", "me voy a quemar con el sol en la playa"]
)
def test_haircuts_and_sunburn_are_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "es").tier < Tier.MODERATE


# -- farewells: things given away, pets placed ---------------------------------------------

PLACED_AND_GONE = [
    ("de", "meine sachen sind verteilt, die katze ist bei meiner mutter. morgen bin ich weg"),
    ("es", "mis cosas ya están repartidas, el gato está con mi madre. mañana ya no estoy"),
    ("fr", "mes affaires sont données, le chat est chez ma mère. demain je serai parti"),
]


@pytest.mark.parametrize(("lang", "text"), PLACED_AND_GONE)
def test_things_given_and_pets_placed_with_a_time_is_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


def test_saying_goodbye_to_everyone_is_a_farewell_in_german(screener: Screener) -> None:
    verdict = screener.screen("ich hab mich von allen verabschiedet. ich kann nicht mehr", "de")
    assert "farewell" in verdict.constructs
    assert verdict.tier >= Tier.HIGH


PETS_ON_HOLIDAY = [
    ("en", "the cat is at my mum's while we're in spain"),
    ("es", "mis cosas ya están repartidas en las cajas de la mudanza"),
]


@pytest.mark.parametrize(("lang", "text"), PETS_ON_HOLIDAY)
def test_pets_on_holiday_and_moving_boxes_are_no_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


def test_a_pet_on_holiday_is_one_farewell_sign_at_most(screener: Screener) -> None:
    # The rules read the cat placed as one farewell sign (low); the learned layer raises
    # this one further (a known limit, see docs/screening.md).
    verdict = screener.screen("le chat est chez ma mère pendant les vacances", "fr", learned=False)
    assert verdict.tier == Tier.LOW


# -- "doing it now" beside the means ---------------------------------------------------------

DOING_IT_BESIDE_MEANS = [
    ("fr", "j'ai les lames à côté de moi et je vais le faire maintenant"),
    ("es", "tengo las cuchillas al lado y lo voy a hacer ahora"),
    ("de", "die klingen liegen neben mir und ich mach es jetzt"),
]


@pytest.mark.parametrize(("lang", "text"), DOING_IT_BESIDE_MEANS)
def test_doing_it_now_beside_the_means_is_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "die hausaufgaben? ich mach es gleich"),
        ("fr", "j'ai les ciseaux à côté de moi pour le bricolage"),
    ],
)
def test_doing_it_or_scissors_alone_is_no_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


def test_doing_it_denied_is_not_an_end(screener: Screener) -> None:
    verdict = screener.screen("j'ai envie de mourir mais je vais pas le faire maintenant", "fr")
    assert "finality" not in verdict.constructs
    assert verdict.tier == Tier.HIGH


# -- Spanish dissociation ----------------------------------------------------------------------


def test_behind_glass_is_dissociation_in_spanish(screener: Screener) -> None:
    verdict = screener.screen("me siento vacía, como si estuviera detrás de un cristal", "es")
    assert verdict.tier >= Tier.MODERATE
    assert "dissociation" in verdict.categories


# -- a few hours left, at peace ----------------------------------------------------------------


def test_a_few_hours_left_at_peace_is_a_crisis(screener: Screener) -> None:
    text = "plus que quelques heures. j'ai fait la paix avec tout ça"
    assert screener.screen(text, "fr").tier == Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "j'ai fait la paix avec ma mère, plus que quelques jours avant la fin de la thérapie",
        "plus que quelques heures avant les vacances !",
    ],
)
def test_peace_with_a_mother_and_a_holiday_are_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "fr").tier < Tier.MODERATE
