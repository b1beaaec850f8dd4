"""Writing *about* risk is not being *at* risk, and the difference never hides a crisis.

People post to help someone else ("you are not alone, call 988"), share crisis numbers,
grieve someone lost to suicide, tell a past attempt as recovery, quote a song or joke
that an exam is killing them. A clinic expects none of that to reach a therapist as an
alert. What the writer says of themself now must still be raised, even inside a post
that also tells others where to find help.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier


def tier(screener: Screener, text: str, lang: str) -> Tier:
    return screener.screen(text, lang).tier


# --- written to help, or about people in general: not an alert --------------------------

SUPPORT = [
    (
        "en",
        "hey, I saw your post last night and I just want you to know you're not alone. "
        "if you're thinking about ending it please call or text 988, they're there 24/7",
    ),
    ("en", "If you're having thoughts of suicide, please talk to someone. DMs are open."),
    (
        "en",
        "you're not a burden. people who say they want to die often just want the pain "
        "to stop. call 988",
    ),
    (
        "es",
        "Si alguien lee esto y está pensando en suicidarse: pide ayuda, ve a urgencias o "
        "llama al 112. Tu vida importa.",
    ),
    (
        "fr",
        "Si quelqu'un lit ceci et pense au suicide : demande de l'aide, va aux urgences ou "
        "appelle le 15. Ta vie compte.",
    ),
    (
        "de",
        "Falls jemand das liest und an Suizid denkt: hol dir Hilfe, geh in die "
        "Notaufnahme oder ruf die 112. Dein Leben zählt.",
    ),
]


@pytest.mark.parametrize(("lang", "text"), SUPPORT)
def test_a_supportive_reply_with_a_hotline_is_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert tier(screener, text, lang) <= Tier.LOW


REPORTS = [
    (
        "en",
        "Local man charged after police say he threatened to kill his neighbour over a "
        "parking dispute, report says.",
    ),
    (
        "de",
        "Laut Statistischem Bundesamt sterben in Deutschland mehr Menschen durch Suizid "
        "als durch Verkehrsunfälle.",
    ),
    (
        "fr",
        "Selon Santé publique France, les gestes suicidaires augmentent chez les jeunes filles.",
    ),
]


@pytest.mark.parametrize(("lang", "text"), REPORTS)
def test_news_and_figures_about_others_are_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert tier(screener, text, lang) <= Tier.LOW


# --- the writer's own words stay raised inside a post that points to help ---------------

CRISIS_WITH_REFERRAL = [
    (
        "en",
        "this is my last post. I wrote letters to my kids. If anyone reads this please "
        "call 988 for yourselves, don't end up like me",
    ),
    (
        "en",
        "my therapist said call 988 if it gets bad. it's bad. I'm sitting on the roof now",
    ),
    (
        "en",
        "to anyone who reads this: you're all lovely but I'm done. bought rope today",
    ),
    (
        "fr",
        "je sais que je devrais appeler le 3114 mais je veux juste que ça s'arrête. je "
        "pense à sauter du pont à côté de chez moi",
    ),
    (
        "fr",
        "c'est mon dernier message. j'ai écrit des lettres à mes enfants. si quelqu'un lit "
        "ça, appelez le 3114 pour vous, finissez pas comme moi",
    ),
]


@pytest.mark.parametrize(("lang", "text"), CRISIS_WITH_REFERRAL)
def test_a_crisis_post_that_also_says_call_a_hotline_stays_raised(
    screener: Screener, lang: str, text: str
) -> None:
    assert tier(screener, text, lang) >= Tier.HIGH


def test_the_writers_own_wish_to_die_after_quoting_support_stays_raised(
    screener: Screener,
) -> None:
    text = "todos me dicen 'no estás solo' pero lo estoy. me quiero morir y nadie se daría cuenta"
    assert tier(screener, text, "es") >= Tier.HIGH


def test_an_address_to_the_reader_does_not_cover_the_writers_own_words(
    screener: Screener,
) -> None:
    # "if you read this" is said to a reader; "I" then speaks for the writer.
    alone = tier(screener, "I want to kill myself tonight", "en")
    framed = tier(screener, "if you read this, I want to kill myself tonight", "en")
    assert framed == alone
    assert framed >= Tier.HIGH


# --- figures of speech, per language -----------------------------------------------------

FIGURATIVE = [
    ("es", "me muero de risa con este vídeo del gato jajaja"),
    ("es", "si el Madrid pierde otra vez me suicido jajaja"),
    ("es", "comprar una casa ahora con estos precios es un suicidio financiero"),
    ("es", "esta ola de calor me está matando, 40 grados en Sevilla"),
    ("fr", "je suis mort de rire avec cette vidéo du chat mdr"),
    ("fr", "si le PSG perd encore je me suicide mdr"),
    ("fr", "je vais me tirer une balle si je dois faire encore une réunion Teams aujourd'hui lol"),
    ("de", "ich bring ihn um, wenn er wieder zu spät kommt 😂"),
    ("de", "bei den preisen jetzt ein haus zu kaufen ist finanzieller selbstmord"),
    ("en", "this exam is killing me, three more chapters to go"),
]


@pytest.mark.parametrize(("lang", "text"), FIGURATIVE)
def test_figurative_death_words_are_not_an_alert(screener: Screener, lang: str, text: str) -> None:
    assert tier(screener, text, lang) <= Tier.LOW


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "me quiero morir, no aguanto más"),
        ("fr", "je veux mourir, j'en peux plus"),
        ("de", "ich will sterben, ich halt das nicht mehr aus"),
    ],
)
def test_the_same_words_without_a_joke_stay_raised(
    screener: Screener, lang: str, text: str
) -> None:
    assert tier(screener, text, lang) >= Tier.MODERATE


# --- the past told as recovery ------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "I attempted suicide at 19. Therapy, meds and a lot of patience later, I'm 30 "
            "and actually like my life. Recovery is real.",
        ),
        (
            "es",
            "Intenté quitarme la vida a los 19. Con terapia y mucha paciencia, ahora tengo "
            "30 y me gusta mi vida.",
        ),
    ],
)
def test_a_survivor_telling_a_past_attempt_as_recovery_is_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert tier(screener, text, lang) <= Tier.LOW


def test_a_past_attempt_with_the_thoughts_back_now_stays_raised(screener: Screener) -> None:
    text = (
        "I survived an attempt years ago and now the thoughts are back, stronger. I want "
        "to die again and I have a plan this time"
    )
    assert tier(screener, text, "en") >= Tier.HIGH


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "ich werd mir morgen früh das leben nehmen, wenn die kinder in der schule sind"),
        ("es", "mañana me quito la vida cuando los niños estén en el colegio"),
        ("en", "I'm going to kill myself at 11 tonight when everyone is asleep"),
    ],
)
def test_a_school_or_a_clock_time_in_a_plan_is_not_the_past(
    screener: Screener, lang: str, text: str
) -> None:
    assert tier(screener, text, lang) >= Tier.HIGH


# --- quotes, lyrics and books ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            'this song with the line "I want to die" gives me chills every time',
        ),
        (
            "de",
            "dieser song mit der zeile 'ich will sterben und gleichzeitig leben' trifft mich "
            "jedes mal, was für ein text",
        ),
    ],
)
def test_a_quoted_lyric_is_not_an_alert(screener: Screener, lang: str, text: str) -> None:
    assert tier(screener, text, lang) <= Tier.LOW


def test_a_lyric_the_writer_takes_as_their_own_now_stays_raised(screener: Screener) -> None:
    text = 'that song "I want to die" is exactly how I feel right now'
    assert tier(screener, text, "en") >= Tier.HIGH


# --- means found among someone else's things: a carer's worry, not the writer's means -----


@pytest.mark.parametrize(
    "text",
    [
        "My daughter cut herself again and I found the blades in her room. I don't know "
        "what to do.",
    ],
)
def test_means_found_in_someone_elses_room_are_not_the_writers_means(
    screener: Screener, text: str
) -> None:
    verdict = screener.screen(text, "en")
    assert verdict.tier <= Tier.MODERATE  # worth the therapist's notice, not an alert
    assert "en.suicidality.means_acquired" not in {e.rule for e in verdict.evidence}


@pytest.mark.parametrize(
    "text",
    [
        "I found the blades I hid in my room and I'm using them tonight",
        "bought a rope today. it's in my car for tomorrow",
    ],
)
def test_the_writers_own_means_with_a_time_stay_a_crisis(screener: Screener, text: str) -> None:
    assert tier(screener, text, "en") == Tier.CRISIS


# --- a habit told in the past, and a past that is back ------------------------------------


def test_a_habit_told_in_the_past_is_recovery_even_every_day(screener: Screener) -> None:
    """ "Used to ... every day": the "every day" belongs to the habit, not to now."""
    text = "I used to want to die every day. Today I noticed I didn't think about it once."
    assert tier(screener, text, "en") <= Tier.LOW


@pytest.mark.parametrize(
    "text",
    [
        "I used to want to die and now it's back.",
        "I used to want to die. Now the thoughts are back again.",
        "I used to cut myself every day and yesterday I did it again.",
    ],
)
def test_a_past_that_is_back_now_stays_raised(screener: Screener, text: str) -> None:
    assert tier(screener, text, "en") >= Tier.HIGH


def test_being_back_at_work_is_not_the_past_coming_back(screener: Screener) -> None:
    text = "I used to want to die when I was a teenager. I'm back at work now and doing fine."
    assert tier(screener, text, "en") <= Tier.LOW


def test_a_rope_found_in_a_sons_room_is_not_the_writers_means_by_the_rules(
    screener: Screener,
) -> None:
    # The learned layer raises it to high beside the writer's panic (a known limit,
    # docs/screening.md); the rules read the son's means, not the writer's.
    text = "found a rope under my son's bed last night and I can't stop shaking"
    verdict = screener.screen(text, "en", learned=False)
    assert verdict.tier <= Tier.MODERATE
    assert "en.suicidality.means_acquired" not in {e.rule for e in verdict.evidence}
