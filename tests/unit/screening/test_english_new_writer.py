"""English warning signs as a new writer texted them, with their everyday look-alikes.

- Danger happening now: the person the writer fears holding a weapon or blocking the door;
  someone else who said goodbye and no longer answers.
- An attempt under way: means carried toward a river or a bridge, a bath run with a razor
  laid by it.
- Last words: the last journal entry or reflection, "the last time you'll hear from me",
  the last sunrise one will see, a letter someone will find in the morning.
- High-tier signs: a command voice, everything read as a sign, a temperature that will not
  come down with disorientation, fear of hitting someone, wanting to smash a face in.
- Everyday speech stays quiet: career suicide, a surprise letter, a birthday knife, a
  razor for shaving, not knowing where a reflection is going.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "my husband has the knife and he's between me and the door",
    "he's got a knife and he's standing in front of the door",
    "my boyfriend is holding a knife and screaming at me",
    "my friend just texted goodbye and she isn't answering, she has pills",
    "meds are in my pocket and im walking down to the river. dont text back",
    "heading to the bridge with all my pills",
    "filled the bath and got the razor ready",
    "this is my last journal entry. you can stop sending me prompts",
    "this is my last reflection",
    "deleting all my socials tonight. last time you'll hear from me",
    "this is the last sunrise i'll watch",
]


@pytest.mark.parametrize("text", CRISES)
def test_danger_now_and_last_words_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier == Tier.CRISIS


HIGH = [
    "she'll find the letter in the morning",
    "my mum will find the note tomorrow. sorry",
    "the command voice says i need to bleed",
    "up 72 hours, everything is a sign",
    "my temperature won't come down and i'm not sure where i am",
    "i'm scared i'll hit my mum next time i see her",
    "i want to smash his face in",
]


@pytest.mark.parametrize("text", HIGH)
def test_letters_left_voices_fever_and_urges_to_hit_are_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier >= Tier.HIGH


EVERYDAY = [
    "my husband has the knife, he's carving the turkey",
    "my dad picked up the knife to cut the cake and everyone was shouting happy birthday",
    "this is my last entry before my holiday, back in two weeks",
    "can you stop sending me prompts at 7am, it's too early",
    "walking down to the river with the dog tonight",
    "filled the bath and shaved my legs with a new razor",
    "she'll find the letter in the morning, it's a surprise for her birthday",
    "i'm scared i'll hurt her feelings if i tell her",
    "that was career suicide",
    "this is the last christmas i'll spend in this flat, we move in january",
    "not sure where i am going with this reflection",
    "not sure who i am anymore, in a good way, like i'm meeting myself",
    "going to spain for a year, i'm not coming back anytime soon lol",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_look_alikes_are_no_alert(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier < Tier.MODERATE


def test_not_coming_back_is_final(screener: Screener) -> None:
    verdict = screener.screen("gave my dog to my sister. i'm not coming back", "en")
    assert "finality" in verdict.constructs
    assert verdict.tier == Tier.CRISIS


def test_a_window_smashed_by_someone_breaking_in_is_no_self_harm(screener: Screener) -> None:
    text = "my ex just smashed the window and is climbing in, im hiding in the wardrobe"
    verdict = screener.screen(text, "en")
    assert verdict.tier == Tier.CRISIS
    assert "self_harm" not in verdict.categories
