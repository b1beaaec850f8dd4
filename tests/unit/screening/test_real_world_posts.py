"""Long posts by people writing about risk, and by people at risk, in English.

Forum replies help someone else in many words ("I've been there", "are you safe right
now?", "you're not a burden"), people tell their own past as hope, suicide is discussed
as a topic, and everyday posts borrow death words for a queue. None of that is an alert.
A writer who is at risk now stays raised, whatever advice they also give, and self-harm
that is recent, hidden or pressing on clean time is still seen.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier


def tier(screener: Screener, text: str) -> Tier:
    return screener.screen(text, "en").tier


# --- written to help someone else: held at low ------------------------------------------

HELPING = [
    # the same cue typed with and without a contraction
    "I've been there. You're not alone, and this feeling does pass.",
    "I have been where you are. You are not alone in this.",
    # asking after someone's safety, telling them to stay
    "Are you safe right now? Please stay, and text me when you get home tonight.",
    "hey u doing ok? ur worth so much more than you think. dm me anytime",
    # hope told to a reader, with a clinic or a line to turn to
    "Please don't give up. It can get better, and you can tell your doctor exactly "
    "what you told us.",
    "I know how it feels when nothing seems worth it. Please stay alive, and talk to "
    "someone tonight.",
]


@pytest.mark.parametrize("text", HELPING)
def test_words_written_to_help_someone_else_are_not_an_alert(
    screener: Screener, text: str
) -> None:
    assert tier(screener, text) <= Tier.LOW


BURDEN_TO_A_READER = [
    "You're not a burden to anyone, whatever the depression tells you.",
    "I know you feel like you're a burden on everyone, but nobody here sees you that way.",
    "It's common to think you're dragging everyone down. You aren't.",
]


@pytest.mark.parametrize("text", BURDEN_TO_A_READER)
def test_a_burden_said_of_the_reader_is_not_the_writers_own(
    screener: Screener, text: str
) -> None:
    assert tier(screener, text) <= Tier.LOW


def test_the_writers_own_burden_said_to_readers_stays_raised(screener: Screener) -> None:
    assert tier(screener, "honestly you'd all be better off without me") >= Tier.MODERATE


AT_RISK_WHILE_ADVISING = [
    "I tell everyone to call 988 but I can't do it myself, I have the pills ready",
    "You're not alone, I've been there. Please stay. I have the rope ready though.",
]


@pytest.mark.parametrize("text", AT_RISK_WHILE_ADVISING)
def test_a_writer_with_means_ready_stays_a_crisis_whatever_advice_they_give(
    screener: Screener, text: str
) -> None:
    assert tier(screener, text) is Tier.CRISIS


def test_means_made_ready_are_raised_and_a_weekly_pill_routine_is_not(
    screener: Screener,
) -> None:
    assert tier(screener, "i've got the rope ready") >= Tier.HIGH
    assert tier(screener, "I have my pills ready for the week") <= Tier.LOW


def test_a_plan_said_without_naming_it_is_raised(screener: Screener) -> None:
    assert tier(screener, "I've worked it all out. I've already decided how.") >= Tier.HIGH
    assert tier(screener, "I've planned it out with the caterer for Saturday") <= Tier.LOW


def test_asking_what_dose_would_be_lethal_is_raised(screener: Screener) -> None:
    text = "how many of my sleeping tablets would it take to die? I'm done"
    assert tier(screener, text) is Tier.CRISIS
    assert tier(screener, "how much ibuprofen can I take for a toothache") <= Tier.LOW


# --- the writer's own past, told as past ------------------------------------------------

OWN_PAST = [
    "What helped me when I was suicidal was a written safety plan with my therapist.",
    "In my 20s I cut myself for a few years. I've been free of it for over a decade.",
    "I first tried to end it in ninth grade. I'm a nurse now.",
    "I used to cut every night for two years. Look up the TIPP skills, they help.",
]


@pytest.mark.parametrize("text", OWN_PAST)
def test_the_writers_own_past_told_as_past_is_not_an_alert(
    screener: Screener, text: str
) -> None:
    assert tier(screener, text) <= Tier.LOW


OWN_PAST_BACK_NOW = [
    "When I was suicidal last week I wrote a note. I still have it.",
    "I'm a survivor of a suicide attempt and I tried again yesterday",
    "I cut myself every night now",
]


@pytest.mark.parametrize("text", OWN_PAST_BACK_NOW)
def test_a_past_frame_with_something_recent_stays_raised(screener: Screener, text: str) -> None:
    assert tier(screener, text) >= Tier.HIGH


# --- suicide as a topic, or someone else's ----------------------------------------------

TOPIC = [
    "Suicide almost never has a single cause, and families blame themselves anyway.",
    "A new study found that smaller pill packs reduce suicide deaths.",
    "My daughter told me she has been thinking about suicide, so we called her doctor.",
    "The coverage of that singer's suicide broke every reporting guideline.",
    "My cousin attempted suicide last spring and is doing much better now.",
]


@pytest.mark.parametrize("text", TOPIC)
def test_suicide_as_a_topic_or_someone_elses_act_is_not_an_alert(
    screener: Screener, text: str
) -> None:
    assert tier(screener, text) <= Tier.LOW


def test_suicide_as_the_writers_own_thought_stays_raised(screener: Screener) -> None:
    assert tier(screener, "I think about suicide every day") >= Tier.HIGH
    assert tier(screener, "my mum doesn't know I've been thinking about suicide") >= Tier.HIGH


def test_a_waste_of_space_said_to_the_person_who_posted_is_not_the_writers(
    screener: Screener,
) -> None:
    text = "To the person who feels like a waste of space: you are worth so much more."
    assert tier(screener, text) <= Tier.LOW


# --- self-harm: hidden, counted against clean time ---------------------------------------


def test_wounds_hidden_or_fresh_are_recent_self_harm(screener: Screener) -> None:
    assert tier(screener, "how do I hide my cuts at the pool on saturday") >= Tier.HIGH
    assert tier(screener, "the new ones on my wrist are covered by my watch") >= Tier.MODERATE


def test_an_urge_against_clean_time_is_moderate(screener: Screener) -> None:
    text = "45 days clean from cutting and the urges are loud tonight, not acting on them"
    assert tier(screener, text) >= Tier.MODERATE


def test_clean_time_with_some_struggle_is_worth_a_glance(screener: Screener) -> None:
    text = "Two years clean from self harm this week. Still have bad days though."
    assert tier(screener, text) >= Tier.LOW


# --- everyday posts ----------------------------------------------------------------------

EVERYDAY = [
    "My car broke down on the way to work and I had to wait two hours for the tow.",
    "The queue at the post office made me want to die, forty minutes for one stamp.",
    "Our team lost in extra time again, I want to die. Next season then.",
    "My brother ate the last slice and I'm going to strangle him. Lovingly.",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_death_words_and_breakdowns_are_not_an_alert(
    screener: Screener, text: str
) -> None:
    assert tier(screener, text) <= Tier.LOW


def test_a_person_who_makes_one_want_to_die_is_not_an_everyday_cause(
    screener: Screener,
) -> None:
    assert tier(screener, "what he did made me want to kill myself") >= Tier.HIGH


def test_an_everyday_ending_at_work_stays_covered_after_the_writer_turns(
    screener: Screener,
) -> None:
    # the report context keeps covering a farewell-like gift after "me ..."; only means
    # and a method named by the writer are taken out of it
    text = "hoy fue mi ultimo dia en el trabajo, me despedi de todos y me regalaron unos libros"
    assert screener.screen(text, "es").tier <= Tier.LOW
