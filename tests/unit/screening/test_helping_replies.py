"""Replies written to help someone in distress, in the four languages: they name
suicidal thoughts, pills saved, a rope or a plan, and ask a question with a time in it
("is there anyone you can be with right now?"). A question or an offer put to the reader
is written for them, so its time is not the writer's, and two helping cues make the reply
one written for someone else. A farewell addressed to someone keeps its tier.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

HELPING_REPLIES = [
    (
        "en",
        "I'm so sorry you're feeling this way. When I wanted to die last year, calling a crisis "
        "line honestly saved me. Please reach out to someone tonight.",
    ),
    (
        "en",
        "Hey, you matter. I know it feels like everyone would be better off without you but "
        "that's the depression lying. Can you tell someone close to you?",
    ),
    (
        "en",
        "Please don't hurt yourself. If you have pills saved up, can you give them to someone you"
        " trust for now? You deserve to be here.",
    ),
    (
        "en",
        "I've been where you are, sitting on the edge of the bathtub with a razor. It gets "
        "better, I promise. DM me anytime.",
    ),
    (
        "en",
        "Sending you a hug. Suicidal thoughts are awful but they pass. Is there anyone you can be"
        " with right now?",
    ),
    (
        "en",
        "If you're in the US you can text or call 988. They won't judge you for having a plan, "
        "they just want to keep you safe.",
    ),
    (
        "en",
        "You said you feel like a burden. You're not. Your kids need you, even on the days you "
        "can't see it.",
    ),
    (
        "en",
        "I'm a nurse and I see a lot of people after overdoses. Most of them are glad they "
        "survived. Please hold on.",
    ),
    (
        "en",
        "Have you talked to your therapist about the cutting? It's nothing to be ashamed of, lots"
        " of us have been there.",
    ),
    (
        "en",
        "My brother killed himself three years ago and I would give anything to have him back. "
        "Your family would be devastated. Stay.",
    ),
    (
        "en",
        "Whatever you're planning for the weekend, please wait. Give it one more week and talk to"
        " a doctor first.",
    ),
    (
        "en",
        "Take it from someone who tried twice: the pain does lift. Go to the ER if you feel "
        "unsafe tonight.",
    ),
    (
        "en",
        "I hear you. Wanting the pain to stop isn't the same as wanting to die. What would help "
        "you get through tonight?",
    ),
    (
        "en",
        "Reading your post broke my heart. You don't have to go through this alone, we're here.",
    ),
    (
        "en",
        "It sounds like you're exhausted and hopeless. That's a lot. Would you consider telling "
        "your GP how bad it's got?",
    ),
    (
        "en",
        "Please remove the rope from your room and call someone. You reached out here, that means"
        " part of you wants to live.",
    ),
    ("en", "hey op, i know you said you're done, but i'm asking you to stay one more day. please"),
    (
        "en",
        "Your life has value. The fact that you're thinking about ending it tells me how much "
        "pain you're in, not how worthless you are.",
    ),
    (
        "en",
        "Is your mum around? Please tell her what you told us. You don't need to have the words "
        "right.",
    ),
    (
        "en",
        "if youre thinking of jumping please call emergency services. i care and so do a lot of "
        "people here",
    ),
    (
        "de",
        "Hey, ich hör dich. Suizidgedanken sind furchtbar, aber sie gehen vorbei. Gibt es "
        "jemanden, bei dem du heute Nacht sein kannst?",
    ),
    (
        "de",
        "Bitte tu dir nichts an. Wenn du Tabletten gesammelt hast, gib sie jemandem, dem du "
        "vertraust. Du bist wichtig.",
    ),
    (
        "de",
        "Ich war auch mal da, wo du jetzt bist. Es wird besser, versprochen. Ruf die "
        "Telefonseelsorge an: 0800 111 0 111",
    ),
    (
        "de",
        "Es klingt, als wärst du total erschöpft und hoffnungslos. Magst du deiner Hausärztin "
        "sagen, wie schlimm es ist?",
    ),
    ("de", "Was würde dir helfen, heute Nacht durchzukommen? Du musst das nicht allein schaffen."),
    (
        "de",
        "mein bruder hat sich vor drei jahren das leben genommen. deine familie würde zerbrechen."
        " bitte bleib",
    ),
    (
        "es",
        "Te escucho. Los pensamientos suicidas son horribles pero pasan. ¿Hay alguien con quien "
        "puedas estar esta noche?",
    ),
    (
        "es",
        "Por favor no te hagas daño. Si juntaste pastillas, dáselas a alguien de confianza. Vos "
        "importás.",
    ),
    (
        "es",
        "Yo estuve donde estás vos. Mejora, te lo prometo. Llamá al 135 o al 024 si estás en "
        "España.",
    ),
    ("es", "Parece que estás agotada y sin esperanza. ¿Le contarías a tu médica lo mal que estás?"),
    ("es", "¿Qué te ayudaría a pasar esta noche? No tenés que hacerlo sola."),
    (
        "es",
        "mi hermano se quitó la vida hace tres años. tu familia quedaría destrozada. quedate, por"
        " favor",
    ),
    (
        "fr",
        "Je t'entends. Les idées suicidaires sont horribles mais elles passent. Y a-t-il "
        "quelqu'un avec qui tu peux être ce soir ?",
    ),
    (
        "fr",
        "S'il te plaît ne te fais pas de mal. Si tu as gardé des cachets, donne-les à quelqu'un "
        "de confiance. Tu comptes.",
    ),
    ("fr", "J'ai été là où tu es. Ça va mieux, promis. Appelle le 3114."),
    ("fr", "On dirait que tu es épuisée et sans espoir. Tu pourrais en parler à ton médecin ?"),
    ("fr", "Qu'est-ce qui t'aiderait à passer la nuit ? Tu n'as pas à traverser ça seule."),
    (
        "fr",
        "mon frère s'est suicidé il y a trois ans. ta famille serait détruite. reste, s'il te "
        "plaît",
    ),
]


@pytest.mark.parametrize(("lang", "text"), HELPING_REPLIES)
def test_a_reply_written_to_help_is_no_alert(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE


FAREWELLS_TO_SOMEONE = [
    (
        "en",
        "thank you for everything, you did your best. by the time you read this tomorrow i'll be "
        "gone",
    ),
    ("es", "perdón mamá, vos vas a entender. esta noche se termina todo"),
]


@pytest.mark.parametrize(("lang", "text"), FAREWELLS_TO_SOMEONE)
def test_a_farewell_addressed_to_someone_keeps_its_tier(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS
