"""English warning signs said in few words, as a second clinical writer put them, with
their everyday look-alikes.

- Crises under way: an overdose half taken with the rest to follow, a whole supply named
  and then "all of it", poison swallowed, gas on with the windows shut, wrists done in the
  bath, a cut deeper than meant that will not stop bleeding.
- Preparation: tablets bought shop by shop, medication stopped to keep it back, a helium
  kit delivered and hidden, things made ready in the garage or lined up on a shelf,
  blades out of a sharpener, a gun out of its safe, the place reached or scouted.
- Farewells and endings said indirectly: a pet given "just for a while", thanks for
  trying and no next session, letters for someone, a necklace passed on, a guardian for
  the children "for when I'm not here", a calm after deciding, secrecy so nobody worries.
- Harm to others planned (a car set alight with someone in it), a child driven off by a
  drunk parent.
- High-tier signs: television talking to the writer, a dead parent at the bed, God
  saying medication is not needed, nights without sleep beside spending, wounds picked
  open, urges to push someone or shake a baby, phone and money kept by a partner, a fit
  or litres of water after a session.
"""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

CRISES = [
    "took 4 of the sleeping tablets already, gonna take the rest when she's gone to bed",
    "the oxycodone. all of it. twenty minutes ago",
    "i've drunk the weedkiller from the shed. my throat is burning",
    "the gas is on and the doors are all shut. kids are at their dad's",
    "did my wrists in the tub. sorry mum",
    "went deeper than i meant and it won't stop, the bandage is soaked and i feel faint",
    "been getting paracetamol from different chemists every week. friday",
    "quit taking my tablets last month so i could stockpile them. got a decent stash now",
    "the helium tank and the bag arrived. hid it in the loft so nobody finds it",
    "everything's ready in the shed. tonight when they're asleep",
    "blade's out of the razor. doing it tonight",
    "took the shotgun out of the cabinet. sitting in the car with it",
    "walking to the bridge now. left a note for my sister on the table",
    "gave the cat to my neighbour, told her it's only for a while",
    "Thanks for everything, you've tried so hard with me. I won't be at the next session.",
    "wrote letters for mum and dad. when i'm not here they'll understand",
    "so peaceful knowing how quiet sunday will be. no more flashbacks after",
    "strangely calm since i decided. made my decision and i feel free",
    "tonight i'm going to set fire to his house while he's asleep in it",
    "he's hammered and he's just driven off with my daughter in the back",
]


@pytest.mark.parametrize("text", CRISES)
def test_crises_said_in_few_words_are_a_crisis(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier == Tier.CRISIS


HIGH = [
    "the newsreaders on the radio keep talking about me, since the weekend they are",
    "my grandad has been sitting at the foot of my bed whispering to me. he passed in 2015",
    "God told me after the session I don't need my lithium anymore",
    "no sleep for 3 nights and don't need it, booked flights to Japan and started a memoir",
    "i keep picking at my scabs until they bleed again",
    "I felt like pushing my boss down the stairs today, it scared me",
    "my husband takes my phone and my bank cards every night",
    "my brother-in-law hit me again in front of my son",
    "had some sort of seizure after the party, bit my tongue",
    "drank about six litres of water after the session and keep being sick",
]


@pytest.mark.parametrize("text", HIGH)
def test_high_tier_signs_said_plainly_are_at_least_high(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier >= Tier.HIGH


EVERYDAY = [
    "took 2 of my painkillers for my back, will take the rest of the course next week",
    "took the rat poison to the tip with the old paint",
    "gas is on for the heating and the windows are open",
    "did my wrist exercises after physio",
    "cut deeper than I meant into the loaf, oops",
    "bought veg from different shops this week to save money",
    "stopped taking my meds because of the side effects, told my GP",
    "hid the birthday presents in the loft so the kids don't find them",
    "took the rifle out of the cabinet to clean it before the season",
    "the dog goes to my sister's while we're on holiday",
    "I won't be at Thursday's session, I'm at my cousin's wedding",
    "made the decision to move and I feel lighter",
    "heart monitor came back all clear, only stress",
    "jumped off the top board today, heart was pounding but i did it",
    "my mate's been cutting again so I took her to the GP",
    "the medicine showed me I don't need to carry my dad's anger anymore",
    "the presenters on telly are talking about the election",
    "only allowed out for an hour after the operation",
    "drank 2 litres of water today like the nurse said",
    "I'll do something nice for her birthday",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_look_alikes_stay_low(screener: Screener, text: str) -> None:
    assert screener.screen(text, "en").tier <= Tier.LOW
