"""Death named as the only way left ("no other way out than death") is suicidal ideation
in every language, also when the words that say so are negatives ("keinen", "no veo",
"ne ... pas"); the same frame around an everyday thing (a fine, a tunnel, a move) is
not."""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

ONLY_WAY = [
    ("en", "I see no other way out than death."),
    ("en", "there is no way out but death"),
    ("en", "The only way out is death, I've thought about it for weeks"),
    ("de", "Ich sehe keinen anderen Ausweg mehr als den Tod."),
    ("de", "Es gibt keine andere Lösung außer zu sterben."),
    ("de", "der einzige Ausweg ist der Tod"),
    ("es", "No veo otra salida que la muerte."),
    ("es", "la única salida es morirme"),
    ("fr", "je ne vois pas d'autre solution que de mourir"),
]


@pytest.mark.parametrize(("lang", "text"), ONLY_WAY)
def test_death_as_the_only_way_left_is_high(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier >= Tier.HIGH


EVERYDAY = [
    ("en", "no other option than to cancel the trip"),
    ("de", "es gibt keinen anderen Weg als durch den Tunnel"),
    ("es", "no hay otra salida que pagar la multa"),
    ("fr", "je ne vois pas d'autre solution que de déménager"),
]


@pytest.mark.parametrize(("lang", "text"), EVERYDAY)
def test_the_same_frame_around_an_everyday_thing_is_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.MODERATE
