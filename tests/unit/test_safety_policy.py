"""The tier table and the non-text signals, from their clinical meaning."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.safety import EscalationPolicy, Tier, actions_for, scale_signal, silence_signal


@pytest.mark.parametrize(("tier", "safety", "alert", "quiet", "escalate"), [
    (Tier.CRISIS, True, True, False, True),     # at once, everyone, repeat until acknowledged
    (Tier.HIGH, True, True, False, True),
    (Tier.MODERATE, False, True, True, False),  # the therapist, but not at 3 a.m.
    (Tier.LOW, False, False, False, False),     # digest only
    (Tier.NONE, False, False, False, False),
])
def test_tier_table(tier: Tier, safety: bool, alert: bool, quiet: bool, escalate: bool) -> None:
    a = actions_for(tier)
    assert (a.safety_message, a.alert_therapist, a.respect_quiet_hours, a.escalate) == (
        safety, alert, quiet, escalate)


def test_escalation_delays_follow_the_spec() -> None:
    policy = EscalationPolicy()
    assert policy.escalate_after(Tier.CRISIS) == timedelta(minutes=15)
    assert policy.escalate_after(Tier.HIGH) == timedelta(minutes=60)
    assert policy.escalate_after(Tier.MODERATE) is None


@pytest.mark.parametrize(("value", "earlier", "flagged"), [
    (0, [], True),            # the lowest mood is always worth a look
    (1, [8, 8, 8], True),
    (2, [], False),           # low, but no baseline to compare with
    (3, [8, 7, 8, 9], True),  # five points under their own usual
    (5, [8, 7, 8, 9], False),  # three under: an ordinary dip
    (4, [8, 8], False),       # too few answers for a baseline
])
def test_scale_signal(value: int, earlier: list[int], flagged: bool) -> None:
    signal = scale_signal(value, earlier)
    assert (signal is not None) == flagged
    if signal:
        assert signal.tier is Tier.MODERATE


def test_silence_needs_several_missed_in_a_row() -> None:
    assert silence_signal(["missed", "missed", "missed"]) is not None
    assert silence_signal(["missed", "answered", "missed", "missed"]) is None
    assert silence_signal(["missed", "missed"]) is None
    signal = silence_signal(["missed", "missed", "missed", "answered"])
    assert signal is not None and signal.tier is Tier.LOW
    # the same silence going on is not flagged again every day
    assert silence_signal(["missed"] * 5) is None
