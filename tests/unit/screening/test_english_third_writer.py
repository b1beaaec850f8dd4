"""English warning signs in the families a third clinical writer used, with their
everyday look-alikes.

- Overdoses taken loosely said: all of one's own and some of a parent's, a whole strip
  of someone's pills, everything one had a short while ago, what was taken said to be
  enough.
- Emergencies now: a partner trying to break in while the writer barricades a door, a
  weapon out after a blow, someone held by the hair, a threat to drive a child into a
  river, a car running in a closed garage, the top of a car park reached and waited at.
- Command voices the writer says they will obey, a self-set deadline in hours, going to
  "see" a parent who has died, not braking on purpose.
- Endings arranged: heirlooms promised by name with a tidy ending, a funeral playlist
  as the last thing on the list, pets placed for good, papers in order and a child sent
  to a relative, tablets put aside until there are enough, the place in the woods known
  and no fear left, patois and Scots ways of saying it.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "swallowed my nan's whole strip of tablets with gin. feel far away",
    "took all mine and half of my brother's. heart is racing",
    "whatever i've taken should be enough. not ringing anyone",
    "took all the codeine i had about ten minutes ago",
    "she's at the door kicking it, i'm in the loft with a chair shoved against the hatch",
    "pushed the wardrobe against the door, he's screaming he'll kill me",
    "he hit me again and he's got a hammer. i'm in the car with the kids",
    "my ex has my son and says he'll drive the car into the sea with them both",
    "in my car in the garage with the engine running. doors shut",
    "i'm on the roof of the hospital. been sitting here a while",
    "the voice keeps telling me to cut and i'm going to listen tonight",
    "48 hours. that's how long i've given myself",
    "gonna join my mum tonight. she's been gone since march",
    "tomorrow on the motorway i won't brake",
    "Grandad's watch goes to Ben, my medals to Kev. Clean ending.",
    "Made the playlist for my funeral. Last thing on my list, so that's that.",
    "the cats are with my neighbour for good. she thinks i'm moving",
    "Sent all his documents to my sister. His papers are in order for him. Tonight I go.",
    "been putting my sleepers aside for months. got enough now",
    "I know the spot by the river. I am not scared anymore.",
    "mi done. sort out di insurance fi di kids. nuh tell nobody",
    "gave the bairn's things tae her gran. am no gonnae be here efter friday",
]


@pytest.mark.parametrize("text", CRISES)
def test_third_writer_crises_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier == Tier.CRISIS


EVERYDAY = [
    "took all mine to the charity shop, the spare room feels emptier",
    "ate my whole box of chocolates in one go",
    "he's outside the door with the shopping, can you help him in",
    "pushed the sofa against the wall to make room for the tree",
    "my coach keeps saying jump higher and I'll listen to him this time",
    "24 hours to finish the essay, that's the deadline",
    "in the car in the garage waiting for the engine to warm up",
    "So that's that, the kitchen is finished. Tidy ending to a messy project.",
    "Won't be answering emails this week, on holiday.",
    "Booked a hotel for Friday, paid cash. Haven't told anyone where, it's a surprise.",
    "My mind's made up, I'm taking the job in Leeds.",
    "Said goodbye to everyone at work today, last day before maternity leave!",
    "Scheduled the email for Monday 9am so the team sees it first thing.",
    "Everything's labelled for the move, boxes go to the new flat on Saturday.",
    "Ring goes to Lucy, that's how Gran wanted it in her will when she passed.",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_third_writer_look_alikes_stay_low(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier <= Tier.LOW
