"""English warning signs in the families a fourth clinical writer used, with their
everyday look-alikes.

- Endings said softly: not to worry about me after a day, sorted for good; a goodbye
  meant but not said; a pet asked to be kept for good and a trip nobody can visit; an
  email timed to reach the children after it is over; a love message that tells someone
  not to blame themself; the funeral songs picked with a calm of being ahead of things;
  the room cleared and the pets rehomed while others say I look better; affairs in
  order and relief at having a date.
- Places and acts under way: a bare "on the roof." or "at the cliffs."; a platform with
  a train that does not stop; a place named with an hour chosen because nobody is about;
  tablets down with the drink poured; charcoal lit in a car or tent; a belt or cord tied
  and tested, said to hold my weight; bleach or weedkiller swallowed minutes ago; a gun
  safe emptied but for one; the car packed with the means for a place where nobody goes;
  a dare with a goods train; panic gone the moment I decided, and a day.
- Ideation acted out or turning active: the gun in the mouth, driving at speed hoping to
  crash, a passive wish turned into wanting to bring it about.
- Voices and beliefs: a voice telling me to punish myself or to deal with someone; a
  figure seen that others say was not there; family said to be impostors; the study
  said to have put a device in my phone; nights without sleep and not tired, with giving
  or grand plans.
- Danger from another person: an ex waiting outside and following me; private videos
  threatened to keep me from therapy; held by the throat; picturing what I would do to
  him.
- After MDMA: a pulse near 200 with vision going dark at the edges; chest heavy with a
  numb left arm; twitching muscles with sweating; forgetting my own name.
- Moderate signs: using after months clean, a first drink after years followed by more,
  sober until last week; a drug taken to feel nothing; the body reliving an assault; no
  feeling for my own child; nightmares every night; too late to change anything;
  zoning out again and again; the children better off with another parent; an illness
  wished real.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "no need to worry about me after tonight. i'll be resting for good",
    "hugged mum at the door and meant it as goodbye. she didnt notice",
    "asked my neighbour to keep the cat for good. told him im off somewhere nobody can visit",
    "set up an email to my kids for 8am tomorrow. it will all be over by then",
    "rehomed the cats and cleared out my flat. been so calm lately, everyone says i seem "
    "happier. they dont know why",
    "everything is in order. relieved to finally have a day. the 3rd.",
    "up on the bridge now. cold. wanted to say thanks to someone one last time",
    "on the platform. the freight train goes straight through in 3 mins",
    "final entry. tablets are down, vodka's open. night all",
    "disposable bbq is burning in the tent. zipped shut. sorry",
    "tied the belt to the loft hatch and tested it. it holds my weight",
    "drank bleach about ten minutes ago. throat is burning",
    "sold all the rifles except one. look after each other.",
    "got the rope in the boot. heading to the woods where nobody walks",
    "cliffs at 5am. its quiet then, nobody about",
    "tonight's plan: me vs the 2am goods train haha",
    "the noise went quiet the moment i decided. friday then",
]


@pytest.mark.parametrize("text", CRISES)
def test_fourth_writer_crises_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier == Tier.CRISIS


HIGHS = [
    # a height visited for the view, photos or friends is an outing, unless it jumps or ends
    "on the bridge. the view is the last thing i want to see",
    # a filled pill box is everyday only until the same sentence swallows it
    "filled my pill box with everything ive saved and swallowed the lot",
    "Picked the songs for my funeral and left a copy with my sister. Nice to be ahead of things.",
    "texted my brother all the things i love about him and that he mustn't blame himself",
    "the thought of eating my service pistol is there most mornings",
    "drove home at 140 hoping i'd crash. didn't",
    "always wished i wouldnt wake up. lately i want to help it along",
    "i cut again after two years clean, on my hip so no one sees",
    "the voice says i need to punish myself for leaving them",
    "at night i hear a woman telling me my uncle is evil and that i must deal with him",
    "saw the tall man by the window again. my husband insists nobody was there",
    "the shadows tell me my wife is an impostor",
    "i think the trial team implanted a chip in my head during the dosing",
    "3 nights no sleep, not even tired!! bought everyone on the bus breakfast",
    "my ex has been waiting outside my flat every evening and following me to the shop",
    "he says he'll share the videos if i keep seeing my therapist",
    "he grabbed me by the throat against the wall on saturday",
    "keep picturing what i'd do to him with a bat",
    "took a second pill after the session and now my pulse is going about 190",
    "my vision went dark at the edges when i stood up after the session",
    "chest feels heavy since this morning and my left arm has pins and needles",
    "muscles twitching since last night and i'm still sweating and boiling",
    "forgot my own name for a second at the till",
]


@pytest.mark.parametrize("text", HIGHS)
def test_fourth_writer_highs_are_at_least_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier >= Tier.HIGH


MODERATES = [
    "smoked on saturday after 3 years clean. gutted",
    "first drink in 18 months then a whole bottle of wine",
    "was 6 months sober until last week",
    "had a few vodkas to feel nothing",
    "i can still feel his hands on me at night",
    "cant feel anything for my own kids",
    "nightmares about the fire every single night",
    "it's too late for me now, i've wasted my whole life",
    "keep spacing out in meetings",
    "my daughter would have a happier childhood with a different dad",
    "wish the tumour had been malignant honestly",
]


@pytest.mark.parametrize("text", MODERATES)
def test_fourth_writer_moderates_are_at_least_moderate(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier >= Tier.MODERATE


EVERYDAY = [
    # a height visited for the view, photos or friends is an outing, unless it jumps or ends
    "up on the roof with the lads for the fireworks",
    "don't worry about me after the op, i'll be sorted once the hip is done",
    "new boiler fitted, i'll be sorted for good now",
    "went to my uncle's funeral today, left the kids with my sister",
    "on the roof fixing the aerial, windy up here",
    "on the bridge, traffic is mad, gonna be late",
    "on the platform, express is delayed again, typical",
    "pills are in the post, wine is open, film on",
    "asked my brother to keep the old bike for good, i never ride it",
    "told my sister she shouldn't blame herself for the divorce",
    "tied the bunting to the banister for her birthday",
    "the new climbing rope holds my weight fine, bouldering sunday",
    "took the weedkiller from the shed and sprayed the patio",
    "harbour bridge at 6am. its quiet then, no traffic, perfect light for photos",
    "bbq is lit in the garden, burgers on in ten",
    "finally got a date for my knee op, the 3rd! relieved",
    "rehomed the cats before the move to spain, sad but the right call",
    "me vs the 7:40 train every single morning, it always wins",
    "the study team put a heart monitor on my chest for a day",
    "instagram ads showing exactly what i was thinking about buying lol, creepy",
    "want to make it happen this year, the trip to japan",
    "my ex keeps turning up at my local pub, so awkward",
    "she says she'll send the photos from the wedding tomorrow",
    "my puppy keeps following me everywhere",
    "he put his arm around my shoulders",
    "heart rate going 185 on the hill sprint",
    "forgot my colleague's name in the meeting, awkward",
    "first pint in 2 weeks after the marathon, earned it",
    "staring at the screen for 40 minutes writing code",
    "wish the test had been positive, we've been trying for a year",
    "my dog would have a better life with a different owner",
    "grandad's pistol from the 19th century, on display at the museum",
    "collecting my pills on the 14th, chemist was shut",
    "scheduled a message to my mum for her birthday tomorrow",
    "Saturday routine: I fill dad's weekly pill box, his heart ones and the statins.",
    "We did our wills with the solicitor today and put the passwords in an envelope. "
    "Honestly a relief, now we can enjoy the summer",
    "watched Dead Man Walking with my mum last night, the bit where he's executed was brutal",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_fourth_writer_look_alikes_stay_low(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier <= Tier.LOW


# The rules hold these below an alert; the learned layer, with the high head's threshold
# at 0.5 since the round of the `u` writers, raises them (a known limit, docs/screening.md).
RAISED_BY_THE_LAYER = [
    "took the dog to the woods where nobody goes, lovely and quiet",
    "sold all my guns except one, keeping the shotgun for clays",
]


@pytest.mark.parametrize("text", RAISED_BY_THE_LAYER)
def test_look_alikes_the_layer_raises_stay_below_an_alert_by_the_rules(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text, "en", learned=False).tier <= Tier.LOW
