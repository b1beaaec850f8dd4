"""English as people text it, from clinical meaning: the rules and constructs alone (the
learned layer is left out, so these hold whatever it is retrained on).

Each group states the clinical reason: indirect crisis language (means at hand, a time,
farewells, finality, the calm of a decision), active and passive ideation in texting
forms and dialect, self-harm slang, psychotic signs; and the harmless look-alikes that must
stay below moderate (support for others, checklists, idioms, someone else's attempt,
trauma retold, hyperbole about exams and meetings).
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier
from prompts.screening_loader import build_screener


@pytest.fixture(scope="module")
def rules() -> Screener:
    return build_screener(learned=False)


def tier(screener: Screener, text: str) -> Tier:
    return screener.screen(text, "en").tier


# -- crisis: the pieces a clinician hears, said without a suicide word ----------------------


@pytest.mark.parametrize(
    "text",
    [
        # means gathered and a time when nobody is home
        "ok so the pills are all in a ziplock in my sock drawer. "
        "sunday night when jess is at her mums",
        "the gun's in the truck. got what i need. nobody home till sunday",
        # weights for drowning, with a time
        "stones in my coat pockets, walking down to the canal tonight",
        # a running engine in a closed garage, now
        "sat in the car in the garage w the engine running rn",
        # several farewell acts and the calm of a decision
        "everything's sorted. the cat's going to my sister, passwords are in the blue "
        "notebook. i'm at peace with it",
        # means saved and "not coming back, or ever"
        "not coming to integration thurs. or ever. got enough of my gabapentin saved",
        "ive got enough insulin saved to be sure this time",
        # means, a time, and it will be quick
        "tablets and whisky on the table. it will be quick. tonight",
        # standing at a place to jump, now
        "im on the bridge rn, just wanted someone to know",
    ],
)
def test_means_time_farewell_and_finality_said_indirectly_are_a_crisis(
    rules: Screener, text: str
) -> None:
    assert tier(rules, text) is Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    ["idw2live anymore. tonight", "ctb tonight. sorry everyone", "kms tonight fr"],
)
def test_texting_shorthand_for_suicide_with_a_time_is_a_crisis(rules: Screener, text: str) -> None:
    assert tier(rules, text) is Tier.CRISIS


def test_a_farewell_with_a_time_and_a_place_is_at_least_high(rules: Screener) -> None:
    text = "gave me guitar to ciara, said i wont be needin it. the bridge after the pub tonight"
    assert tier(rules, text) >= Tier.HIGH


# -- high: active ideation in texting forms and dialect, psychotic signs --------------------


@pytest.mark.parametrize(
    "text",
    [
        "lowkey want to die tbh",
        "kinda want to kms ngl",
        # dropped g and Scots spelling still say "thinking about ending it"
        "cannae stop thinkin aboot endin it. nae plan, just the thought",
        "the thoughts of doin myself in are back",
    ],
)
def test_active_ideation_texted_or_in_dialect_is_high(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "God speaks through the static on the radio since the session",
        "i keep hearing whispering in the walls saying im evil",
        "pretty sure my wife's putting something in my food",
    ],
)
def test_voices_and_persecutory_beliefs_are_high(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.HIGH


# -- moderate: passive ideation and burden ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "wouldnt mind if i just didnt wake up tbh",
        # the burden is inherently about others: "they" does not make it someone else's
        "they'd all be relieved if i was gone",
        "my kids would be better off without me",
    ],
)
def test_passive_ideation_and_burden_are_at_least_moderate(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.MODERATE


# -- self-harm slang --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "relapsed on sh last night",
        "sh again tonight, went down to beans",
        "burned my arm with a lighter after the argument",
        "punched the wall till my knuckles split",
        "scratched my legs with a compass",
    ],
)
def test_self_harm_slang_is_flagged(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.LOW


# -- the same words about someone else, in the past, answered no, or as a figure of speech ----


@pytest.mark.parametrize(
    "text",
    [
        # years clean from self-harm is recovery, not self-harm
        "3 years clean from self harm today, wore a t shirt to work",
        # checklist answers, item after item
        "weekly check in: mood 7/10, suicidal thoughts: none, self harm: no",
        "SI: no, HI: no, self harm: none",
    ],
)
def test_recovery_and_checklist_answers_are_not_risk(rules: Screener, text: str) -> None:
    assert tier(rules, text) is Tier.NONE


@pytest.mark.parametrize(
    "text",
    [
        "if i have to sit through one more zoom meeting i'll actually die",
        "organic chem final is going to kill me",
        "this hangover, i want to die, never drinking prosecco again",
        "I'm going to end it with Mark tonight. Relationship, not me lol",
        "tonight's the night!!! first date in six years",
        "we jumped off the pier into the lake like when we were kids",
        "ran suicides at practice today, kids hated me",
        "is it suicide tuesday if it's a wednesday and i feel great",
        "put a gun to my head and i still wouldn't sing at the christmas party",
        "tied a noose knot in my sailing class today by accident",
        "sorting my passwords into a password manager this weekend",
    ],
)
def test_everyday_exaggeration_and_look_alikes_are_not_alarms(rules: Screener, text: str) -> None:
    assert tier(rules, text) <= Tier.LOW


def test_a_joke_taken_back_does_not_hide_a_stated_intent(rules: Screener) -> None:
    assert tier(rules, "I'm not joking, I'm going to kill myself tonight") is Tier.CRISIS
    assert tier(rules, "i'm going to kill myself tonight (not really joking)") >= Tier.MODERATE


def test_a_danger_remembered_in_session_is_not_intent(rules: Screener) -> None:
    text = "in session i remembered how sure i was that i was going to die in that car"
    assert tier(rules, text) <= Tier.LOW


@pytest.mark.parametrize(
    "text",
    [
        "my son told me he'd been thinking about killing himself, we called his gp together",
        "How do I support my girlfriend after her suicide attempt? She's home now and in treatment",
    ],
)
def test_someone_elses_ideation_or_attempt_is_not_the_writers_risk(
    rules: Screener, text: str
) -> None:
    assert tier(rules, text) <= Tier.LOW


@pytest.mark.parametrize(
    "text",
    [
        "I read your post. You're not the only one, please know it gets better. "
        "Call 988 if you need to talk",
        "PSA for anyone reading this: you can text 988 any time. you don't have to be in "
        "crisis to call",
        "Brother, if you served and you're carrying the guys who didn't come home, you're not "
        "the only one up at 2am. Please know the Veterans Crisis Line is there, press 1.",
    ],
)
def test_words_written_to_help_someone_else_stay_low(rules: Screener, text: str) -> None:
    assert tier(rules, text) <= Tier.LOW


@pytest.mark.parametrize(
    "text",
    [
        "I hugged my kids and told them I love them",
        "it was so good doing well myself",
        "gave my old guitar to my nephew, he's been learning and was so stoked",
    ],
)
def test_ordinary_kindness_is_not_a_farewell(rules: Screener, text: str) -> None:
    assert tier(rules, text) <= Tier.LOW


def test_a_peer_who_says_me_too_speaks_for_themself(rules: Screener) -> None:
    text = "read your post. me too, the pills are saved up and it ends tonight"
    assert tier(rules, text) is Tier.CRISIS


# -- the other categories, as people text them ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "punched the wall till my knuckles split last night",
        "bit ma ain hand till it bled on ma break",
        "took 6 extra paracetamol last night, not to die, just to feel something",
    ],
)
def test_recent_self_injury_in_everyday_words_is_high(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "heart's been at 150 for three hours and won't come down",
        "keep blacking out when i stand up and my heart does this fluttery thing",
        "headache worst of my life came on suddenly an hour ago. had the dose yesterday",
        "drank a ton of water and now kinda confused what day it is",
    ],
)
def test_dangerous_signs_after_mdma_are_high(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.HIGH


def test_a_fast_pulse_from_exercise_is_not_a_medical_alarm(rules: Screener) -> None:
    assert tier(rules, "my heart rate hit 150 on the run, new record") <= Tier.LOW


@pytest.mark.parametrize(
    "text",
    [
        "no sleep 4 nights mate but heaps of energy, bought a second tractor on the card",
        "someone's been in my flat moving things. the therapists are part of it",
        "somebody's poisonin the well water, I know it",
    ],
)
def test_mania_and_persecutory_ideas_are_high(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "I keep imagining putting something in my uncle's tea. I hate how real it feels.",
        "my ex has been outside my house three nights in a row. last night he tried the "
        "door handle",
        "he locked me out at 2am and said next time will be worse",
    ],
)
def test_violent_urges_toward_someone_and_threats_are_high(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "been mixin my sleepin pills with bourbon again",
        "back on the xanax I swore I'd stopped",
        "took a yoke saturday at a rave, on me own, wanted to feel like the session again",
        "haven't left bed since sunday except to pee. can't face anyone",
        "looked in the mirror and didn't know the face. the world's been flat and fake for days",
    ],
)
def test_relapse_heavy_distress_and_dissociation_are_moderate(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "sometimes i pray god will just call me home in my sleep",
        "if a bus clipped me on the way to work i'd be ok with it",
        "wouldnae bother me if a lorry took me oot the morra",
    ],
)
def test_a_quiet_wish_to_be_taken_is_passive_ideation(rules: Screener, text: str) -> None:
    assert tier(rules, text) >= Tier.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "Cleaned my rifle for the club shoot this weekend, looking forward to it",
        "updating the will and the car insurance this weekend, boring adult stuff",
        "a car hit me on my bike this morning, just bruises",
    ],
)
def test_ordinary_admin_and_accidents_are_not_alarms(rules: Screener, text: str) -> None:
    assert tier(rules, text) <= Tier.LOW


@pytest.mark.parametrize(
    "text",
    [
        # giving up a habit is not giving up on life
        "Giving up sugar, I'm DONE with it, this is my last biscuit ever (until Friday probably)",
        # a child's exaggeration quoted
        "my 8 yo said 'I literally want to die' over maths homework. we did fractions instead",
        # a relative's ideation, and the writer got her help
        "My sister called sobbing that she wanted to end it, so I drove over and we called her GP",
    ],
)
def test_a_habit_given_up_or_someone_elses_words_are_not_the_writers_risk(
    rules: Screener, text: str
) -> None:
    assert tier(rules, text) <= Tier.LOW


def test_giving_up_on_everything_is_still_hopelessness(rules: Screener) -> None:
    verdict = rules.screen("i give up. nothing will ever change and i'm done", "en")
    assert verdict.tier >= Tier.LOW
    assert "hopelessness" in verdict.constructs


@pytest.mark.parametrize(
    "text",
    [
        # someone else's medicine at hand, alone until a day, and the decision made
        "my husbands insulin is in the fridge. hes at his brothers till sunday. "
        "i've thought it all through",
        # a last message, an asking not to be seen, and how it will go
        "our kid if ur reading this, sorry la. mersey's freezin this time of year, "
        "it'll be quick. dont let mam see me",
    ],
)
def test_anothers_medicine_or_a_last_message_with_its_manner_is_a_crisis(
    rules: Screener, text: str
) -> None:
    assert tier(rules, text) is Tier.CRISIS


def test_a_pet_placed_under_a_cover_story_weighs_more_than_a_pet_placed(rules: Screener) -> None:
    cover = tier(rules, "gave the dog to my neighbour, said it's for a work trip. there's no trip")
    assert cover >= Tier.HIGH
    assert tier(rules, "gave the dog to my neighbour for the week, work trip to leeds") <= Tier.LOW
