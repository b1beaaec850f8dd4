"""Schedule computation: due times across time zones and DST, quiet hours, reminders,
replanning and start-up decisions — concrete cases first, then properties."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.protocol import (
    Anchor,
    Audience,
    Occurrence,
    Protocol,
    ProtocolStep,
    QuietHours,
    SessionKind,
    StepKind,
    format_duration,
    localized,
    parse_duration,
    parse_quiet_hours,
    parse_time_of_day,
)
from bot.domain.schedule import (
    PlannedPrompt,
    SessionInfo,
    diff_schedule,
    due_time,
    end_of_quiet,
    is_quiet,
    next_allowed_time,
    on_start_decision,
    plan_prompts,
    reminder_times,
    wall_time_to_utc,
)
from prompts.protocols import load_protocol

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
NIGHT = QuietHours(time(22, 0), time(8, 0))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """A wall time in ``zone`` (``fold=1``: the second pass of a repeated hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone, fold=fold)


def make_step(
    step_id: str = "s",
    *,
    anchor: str = "dosing",
    occurrence: str = "each",
    after: str | None = None,
    before: str | None = None,
    at: str | None = None,
    reminders: int | None = None,
    window: str | None = None,
) -> ProtocolStep:
    if after is None and before is None:
        after = "0s"
    return ProtocolStep(
        id=step_id,
        anchor=Anchor(SessionKind(anchor), Occurrence(occurrence)),
        kind=StepKind.TEXT,
        text=localized({"en": "How are you?"}),
        after=parse_duration(after) if after is not None else None,
        before=parse_duration(before) if before is not None else None,
        at=parse_time_of_day(at) if at is not None else None,
        reminders=reminders,
        window=parse_duration(window) if window is not None else None,
    )


def make_protocol(
    *steps: ProtocolStep,
    quiet: QuietHours | None = None,
    window: str = "24h",
    reminders: int = 0,
) -> Protocol:
    return Protocol(
        id="test",
        name="Test",
        version="1",
        steps=steps,
        quiet_hours=quiet,
        response_window=parse_duration(window),
        reminders=reminders,
    )


def dosing(session_id: int, starts_at: datetime, cancelled: bool = False) -> SessionInfo:
    return SessionInfo(session_id, "dosing", starts_at.astimezone(UTC), cancelled)


def integration(session_id: int, starts_at: datetime, cancelled: bool = False) -> SessionInfo:
    return SessionInfo(session_id, "integration", starts_at.astimezone(UTC), cancelled)


class TestDurations:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("90m", timedelta(minutes=90)),
            ("1d", timedelta(days=1)),
            ("12h", timedelta(hours=12)),
            ("30s", timedelta(seconds=30)),
            ("1d12h", timedelta(days=1, hours=12)),
            ("2h30m15s", timedelta(hours=2, minutes=30, seconds=15)),
            (" 2S ", timedelta(seconds=2)),
            ("0m", timedelta(0)),
        ],
    )
    def test_valid_durations_parse(self, text: str, expected: timedelta) -> None:
        assert parse_duration(text) == expected

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("2 days", "like 90m"),
            ("", "empty"),
            ("90", "unit"),
            ("1w", "unit"),
            ("-1d", "unit"),
            ("1.5h", "unit"),
            ("12h1d", "days to seconds"),
            ("1h1h", "days to seconds"),
            ("99999d", "at most"),
        ],
    )
    def test_invalid_durations_say_why(self, text: str, reason: str) -> None:
        with pytest.raises(ValueError, match=reason):
            parse_duration(text)

    @given(st.integers(min_value=0, max_value=3650 * 86_400))
    def test_format_and_parse_round_trip(self, seconds: int) -> None:
        value = timedelta(seconds=seconds)
        assert parse_duration(format_duration(value)) == value


class TestQuietHoursParsing:
    def test_a_period_may_wrap_midnight(self) -> None:
        quiet = parse_quiet_hours("22:00-08:00")
        assert quiet.wraps_midnight
        assert quiet.contains(time(23, 0)) and quiet.contains(time(7, 59))
        assert not quiet.contains(time(8, 0)) and not quiet.contains(time(21, 59))

    def test_a_daytime_period_does_not_wrap(self) -> None:
        quiet = parse_quiet_hours("13:00-14:30")
        assert quiet.contains(time(13, 0)) and not quiet.contains(time(14, 30))
        assert str(quiet) == "13:00-14:30"

    @pytest.mark.parametrize("text", ["22-08", "22:00", "22:00-22:00", "25:00-08:00", "x"])
    def test_malformed_quiet_hours_are_refused(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_quiet_hours(text)


class TestWallTimes:
    def test_a_wall_time_in_the_spring_gap_moves_to_the_end_of_the_gap(self) -> None:
        # Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
        assert wall_time_to_utc(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1)
        assert wall_time_to_utc(date(2026, 3, 8), time(2, 15), NEW_YORK) == utc(2026, 3, 8, 7)

    def test_an_ambiguous_wall_time_means_its_first_occurrence(self) -> None:
        # Berlin, 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        first = wall_time_to_utc(date(2026, 10, 25), time(2, 30), BERLIN)
        assert first == utc(2026, 10, 25, 0, 30)
        assert first.astimezone(BERLIN).utcoffset() == timedelta(hours=2)

    def test_a_half_hour_zone_is_exact(self) -> None:
        assert wall_time_to_utc(date(2026, 2, 3), time(19), KOLKATA) == utc(2026, 2, 3, 13, 30)


class TestDueTimes:
    def test_at_pins_the_day_after_the_session_to_a_local_evening(self) -> None:
        step = make_step(after="1d", at="19:00")
        session = local(BERLIN, 2026, 6, 1, 9)
        assert due_time(step, session.astimezone(UTC), BERLIN) == local(BERLIN, 2026, 6, 2, 19)

    def test_before_12h_at_19_is_the_evening_before_a_morning_session(self) -> None:
        step = make_step(anchor="integration", before="12h", at="19:00")
        session = local(NEW_YORK, 2026, 6, 10, 9)
        assert due_time(step, session, NEW_YORK) == local(NEW_YORK, 2026, 6, 9, 19)

    def test_before_1d_at_19_stays_the_evening_before_an_afternoon_session(self) -> None:
        afternoon = local(NEW_YORK, 2026, 6, 10, 15)
        assert due_time(make_step(before="1d", at="19:00"), afternoon, NEW_YORK) == local(
            NEW_YORK, 2026, 6, 9, 19
        )
        # With 12h the same wall-time rule lands after the session: documented, not hidden.
        assert due_time(make_step(before="12h", at="19:00"), afternoon, NEW_YORK) == local(
            NEW_YORK, 2026, 6, 10, 19
        )

    def test_offsets_without_at_are_elapsed_time_across_spring_forward(self) -> None:
        # Saturday 09:00 CET + 24 hours is Sunday 10:00 CEST: the night was an hour shorter.
        session = local(BERLIN, 2026, 3, 28, 9)
        assert due_time(make_step(after="1d"), session, BERLIN) == local(BERLIN, 2026, 3, 29, 10)

    def test_at_keeps_the_evening_on_the_sunday_clocks_change_in_berlin(self) -> None:
        session = local(BERLIN, 2026, 3, 28, 9)
        due = due_time(make_step(after="1d", at="19:00"), session, BERLIN)
        assert due == utc(2026, 3, 29, 17)  # 19:00 CEST

    def test_at_keeps_the_evening_on_the_sunday_clocks_fall_back_in_berlin(self) -> None:
        session = local(BERLIN, 2026, 10, 24, 9)
        due = due_time(make_step(after="1d", at="19:00"), session, BERLIN)
        assert due == utc(2026, 10, 25, 18)  # 19:00 CET

    def test_a_pinned_time_inside_the_gap_moves_forward(self) -> None:
        session = local(BERLIN, 2026, 3, 28, 9)
        due = due_time(make_step(after="1d", at="02:30"), session, BERLIN)
        assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 0)

    def test_a_pinned_time_in_the_repeated_hour_is_its_first_occurrence(self) -> None:
        session = local(NEW_YORK, 2026, 10, 31, 9)
        due = due_time(make_step(after="1d", at="01:30"), session, NEW_YORK)
        assert due == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST

    def test_sydney_spring_forward_in_october(self) -> None:
        session = local(SYDNEY, 2026, 10, 3, 10)
        due = due_time(make_step(after="1d", at="02:15"), session, SYDNEY)
        assert due.astimezone(SYDNEY).replace(tzinfo=None) == datetime(2026, 10, 4, 3, 0)

    def test_sydney_fall_back_in_april(self) -> None:
        session = local(SYDNEY, 2026, 4, 4, 10)
        due = due_time(make_step(after="1d", at="02:30"), session, SYDNEY)
        assert due == local(SYDNEY, 2026, 4, 5, 2, 30, fold=0).astimezone(UTC)
        assert due.astimezone(SYDNEY).utcoffset() == timedelta(hours=11)

    def test_kolkata_half_hour_offset(self) -> None:
        session = local(KOLKATA, 2026, 2, 2, 9)
        due = due_time(make_step(after="1d", at="19:00"), session, KOLKATA)
        assert due == utc(2026, 2, 3, 13, 30)

    def test_naive_session_times_are_refused(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            due_time(make_step(after="1d"), datetime(2026, 1, 1, 9), BERLIN)

    def test_unknown_time_zones_are_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown time zone"):
            due_time(make_step(after="1d"), utc(2026, 1, 1), "Mars/Olympus_Mons")


class TestQuietHours:
    def test_a_prompt_inside_quiet_hours_moves_to_their_end(self) -> None:
        late = local(BERLIN, 2026, 6, 1, 23, 15)
        assert next_allowed_time(late, NIGHT, BERLIN) == local(BERLIN, 2026, 6, 2, 8)

    def test_after_midnight_the_same_night_ends_the_same_morning(self) -> None:
        early = local(BERLIN, 2026, 6, 2, 3)
        assert next_allowed_time(early, NIGHT, BERLIN) == local(BERLIN, 2026, 6, 2, 8)

    def test_the_end_of_quiet_hours_is_itself_allowed_and_the_start_is_not(self) -> None:
        assert not is_quiet(local(BERLIN, 2026, 6, 2, 8), NIGHT, BERLIN)
        assert is_quiet(local(BERLIN, 2026, 6, 2, 22), NIGHT, BERLIN)

    def test_a_time_outside_quiet_hours_is_unchanged(self) -> None:
        noon = local(BERLIN, 2026, 6, 2, 12)
        assert next_allowed_time(noon, NIGHT, BERLIN) == noon
        assert end_of_quiet(noon, NIGHT, BERLIN) == noon
        assert next_allowed_time(noon, None, BERLIN) == noon

    def test_the_short_night_of_spring_forward(self) -> None:
        late = local(BERLIN, 2026, 3, 28, 23)
        assert next_allowed_time(late, NIGHT, BERLIN) == utc(2026, 3, 29, 6)  # 08:00 CEST

    def test_the_long_night_of_fall_back(self) -> None:
        late = local(BERLIN, 2026, 10, 24, 23)
        assert next_allowed_time(late, NIGHT, BERLIN) == utc(2026, 10, 25, 7)  # 08:00 CET

    def test_quiet_hours_ending_inside_the_gap_end_when_the_clocks_jump(self) -> None:
        quiet = QuietHours(time(22), time(2, 30))
        late = local(BERLIN, 2026, 3, 28, 23)
        assert end_of_quiet(late, quiet, BERLIN) == utc(2026, 3, 29, 1)  # 03:00 CEST

    def test_in_the_second_pass_of_the_repeated_hour_the_period_ends_in_that_pass(self) -> None:
        quiet = QuietHours(time(1), time(2, 45))
        second_pass = local(BERLIN, 2026, 10, 25, 2, 10, fold=1)  # 01:10 UTC
        assert is_quiet(second_pass, quiet, BERLIN)
        assert end_of_quiet(second_pass, quiet, BERLIN) == utc(2026, 10, 25, 1, 45)

    def test_the_repeated_hour_of_a_quiet_night_stays_quiet(self) -> None:
        # Quiet from 02:30: at 03:00 CEST the clocks go back to 02:00 CET, a wall time
        # before the start, yet still the same night. Nobody is woken at 02:10 CET.
        quiet = QuietHours(time(2, 30), time(8))
        second_pass = local(BERLIN, 2026, 10, 25, 2, 10, fold=1)
        assert is_quiet(second_pass, quiet, BERLIN)
        assert next_allowed_time(second_pass, quiet, BERLIN) == local(BERLIN, 2026, 10, 25, 8)

    def test_sydney_quiet_night_across_spring_forward(self) -> None:
        late = local(SYDNEY, 2026, 10, 3, 23)
        assert next_allowed_time(late, NIGHT, SYDNEY) == local(SYDNEY, 2026, 10, 4, 8)
        assert next_allowed_time(late, NIGHT, SYDNEY) == utc(2026, 10, 3, 21)

    def test_kolkata_quiet_hours_on_the_half_hour(self) -> None:
        quiet = parse_quiet_hours("21:30-08:30")
        assert next_allowed_time(utc(2026, 2, 3, 16, 30), quiet, KOLKATA) == utc(2026, 2, 4, 3)

    def test_is_quiet_accepts_any_aware_time_and_refuses_naive_ones(self) -> None:
        assert is_quiet(utc(2026, 6, 1, 21, 30), NIGHT, BERLIN)  # 23:30 in Berlin
        with pytest.raises(ValueError):
            is_quiet(datetime(2026, 6, 1, 23), NIGHT, BERLIN)


class TestReminders:
    def test_reminders_are_spread_evenly_inside_the_window(self) -> None:
        due = utc(2026, 6, 1, 10)
        times = reminder_times(due, due + timedelta(hours=24), 2, None, "UTC")
        assert times == (utc(2026, 6, 1, 18), utc(2026, 6, 2, 2))

    def test_a_reminder_in_quiet_hours_moves_to_their_end(self) -> None:
        due = local(BERLIN, 2026, 6, 1, 19)
        (reminder,) = reminder_times(due, due + timedelta(hours=24), 1, NIGHT, BERLIN)
        assert reminder == local(BERLIN, 2026, 6, 2, 8)

    def test_a_reminder_pushed_past_expiry_is_dropped(self) -> None:
        due = local(BERLIN, 2026, 6, 1, 21)
        assert reminder_times(due, due + timedelta(hours=4), 1, NIGHT, BERLIN) == ()

    def test_reminders_pushed_onto_the_same_morning_become_one(self) -> None:
        due = local(BERLIN, 2026, 6, 1, 20)
        # Every 4 hours: 00:00, 04:00 and 08:00 all become 08:00; then 12:00 and 16:00.
        times = reminder_times(due, due + timedelta(hours=24), 5, NIGHT, BERLIN)
        assert times == tuple(local(BERLIN, 2026, 6, 2, hour) for hour in (8, 12, 16))


class TestPlanPrompts:
    def test_a_seconds_scale_protocol_runs_in_seconds(self) -> None:
        protocol = make_protocol(make_step("hello", after="2s"), window="10s", reminders=1)
        start = utc(2026, 1, 5, 9)
        (prompt,) = plan_prompts(protocol, [dosing(1, start)], "UTC")
        assert prompt.key == "hello@1"
        assert prompt.due_at == start + timedelta(seconds=2)
        assert prompt.reminder_times == (start + timedelta(seconds=7),)
        assert prompt.expires_at == start + timedelta(seconds=12)

    def test_cancelled_sessions_anchor_nothing(self) -> None:
        protocol = make_protocol(make_step(after="1d"))
        sessions = [dosing(1, utc(2026, 1, 5, 9), cancelled=True), dosing(2, utc(2026, 2, 5, 9))]
        assert [p.key for p in plan_prompts(protocol, sessions, BERLIN)] == ["s@2"]

    def test_each_integration_session_gets_its_evening_before(self) -> None:
        protocol = make_protocol(make_step("eve", anchor="integration", before="1d", at="19:00"))
        sessions = [
            integration(7, local(BERLIN, 2026, 6, 2, 10)),
            integration(8, local(BERLIN, 2026, 6, 9, 14)),
            integration(9, local(BERLIN, 2026, 6, 16, 10), cancelled=True),
            dosing(1, local(BERLIN, 2026, 6, 1, 9)),
        ]
        plan = plan_prompts(protocol, sessions, BERLIN)
        assert [(p.key, p.due_at) for p in plan] == [
            ("eve@7", local(BERLIN, 2026, 6, 1, 19)),
            ("eve@8", local(BERLIN, 2026, 6, 8, 19)),
        ]

    def test_first_and_last_pick_one_session_ignoring_cancelled_ones(self) -> None:
        protocol = make_protocol(
            make_step("first", anchor="integration", occurrence="first", after="1h"),
            make_step("last", anchor="integration", occurrence="last", after="1h"),
        )
        sessions = [
            integration(3, utc(2026, 6, 9, 10)),
            integration(2, utc(2026, 6, 2, 10), cancelled=True),
            integration(4, utc(2026, 6, 16, 10)),
        ]
        assert [p.key for p in plan_prompts(protocol, sessions, "UTC")] == ["first@3", "last@4"]

    def test_a_step_without_an_anchoring_session_plans_nothing(self) -> None:
        protocol = make_protocol(make_step(anchor="preparation", after="1h"))
        assert plan_prompts(protocol, [dosing(1, utc(2026, 1, 5))], "UTC") == []

    def test_step_overrides_of_window_and_reminders_win(self) -> None:
        protocol = make_protocol(
            make_step(after="1h", reminders=0, window="48h"), window="24h", reminders=2
        )
        (prompt,) = plan_prompts(protocol, [dosing(1, utc(2026, 1, 5, 9))], "UTC")
        assert prompt.expires_at - prompt.due_at == timedelta(hours=48)
        assert prompt.reminder_times == ()

    def test_plans_are_sorted_by_due_time(self) -> None:
        protocol = make_protocol(make_step("late", after="2d"), make_step("soon", after="1d"))
        plan = plan_prompts(protocol, [dosing(1, utc(2026, 1, 5))], "UTC")
        assert [p.step_id for p in plan] == ["soon", "late"]

    def test_repeated_session_ids_and_naive_times_are_refused(self) -> None:
        protocol = make_protocol(make_step(after="1d"))
        with pytest.raises(ValueError, match="more than once"):
            plan_prompts(protocol, [dosing(1, utc(2026, 1, 5)), dosing(1, utc(2026, 2, 5))], "UTC")
        with pytest.raises(ValueError, match="aware"):
            plan_prompts(protocol, [SessionInfo(1, "dosing", datetime(2026, 1, 5))], "UTC")

    def test_the_default_protocol_around_a_berlin_dosing_in_march(self) -> None:
        protocol = load_protocol("prompts/mdma-integration.yaml")
        sessions = [
            dosing(1, local(BERLIN, 2026, 3, 27, 9)),
            integration(2, local(BERLIN, 2026, 3, 28, 9)),
            integration(3, local(BERLIN, 2026, 4, 3, 15)),
        ]
        plan = {p.key: p for p in plan_prompts(protocol, sessions, BERLIN)}
        assert set(plan) == {
            "day1-evening@1", "day2-sleep@1", "day2-evening@1", "day3-evening@1",
            "day7-mood@1", "day7-reflection@1", "day14-wellbeing@1", "day30-wellbeing@1",
            "day30-reflection@1", "before-integration@2", "before-integration@3",
            "safety-check@1", "safety-check-morning@1",
        }  # fmt: skip
        # the safety check: three days before at 10:00, open until 20:00 the evening before
        assert plan["safety-check@1"].due_at == local(BERLIN, 2026, 3, 24, 10)
        assert plan["safety-check@1"].expires_at == local(BERLIN, 2026, 3, 26, 20)
        assert plan["safety-check-morning@1"].due_at == local(BERLIN, 2026, 3, 27, 8, 30)
        assert plan["day1-evening@1"].due_at == local(BERLIN, 2026, 3, 28, 19)
        assert plan["day2-evening@1"].due_at == local(BERLIN, 2026, 3, 29, 19)  # now CEST
        assert plan["day3-evening@1"].due_at == utc(2026, 3, 30, 17)
        assert plan["before-integration@3"].due_at == local(BERLIN, 2026, 4, 2, 19)
        for prompt in plan.values():
            for moment in (prompt.due_at, *prompt.reminder_times):
                assert not is_quiet(moment, protocol.quiet_hours, BERLIN)

    def test_steps_for_couples_go_only_to_participants_in_a_couple(self) -> None:
        protocol = make_protocol(
            make_step("each", after="1d"),
            replace(make_step("together", after="2d"), audience=Audience.COUPLE),
        )
        sessions = [dosing(1, utc(2026, 1, 5, 9))]
        alone = plan_prompts(protocol, sessions, "UTC")
        paired = plan_prompts(protocol, sessions, "UTC", in_couple=True)
        assert [p.step_id for p in alone] == ["each"]
        assert [p.step_id for p in paired] == ["each", "together"]


class TestOnStart:
    @pytest.mark.parametrize(
        ("now", "decision"),
        [
            (utc(2026, 1, 5, 8), "wait"),  # not due yet
            (utc(2026, 1, 5, 9), "send"),  # due this instant
            (utc(2026, 1, 6, 8, 59), "send"),  # overdue but still inside its window
            (utc(2026, 1, 6, 9), "missed"),  # the window closed
        ],
    )
    def test_decision_for_a_prompt_due_while_the_bot_was_down(
        self, now: datetime, decision: str
    ) -> None:
        assert on_start_decision(utc(2026, 1, 5, 9), utc(2026, 1, 6, 9), now) == decision

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError):
            on_start_decision(utc(2026, 1, 5, 9), utc(2026, 1, 6, 9), datetime(2026, 1, 5))


class TestDiffSchedule:
    protocol = make_protocol(
        make_step("eve", anchor="integration", before="1d", at="19:00"),
        make_step("after", anchor="dosing", after="1d", at="19:00"),
    )

    def test_moving_a_session_moves_its_pending_prompts(self) -> None:
        old = [dosing(1, utc(2026, 6, 1, 8)), integration(2, utc(2026, 6, 3, 8))]
        new = [dosing(1, utc(2026, 6, 1, 8)), integration(2, utc(2026, 6, 5, 8))]
        pending = {p.key: p.due_at for p in plan_prompts(self.protocol, old, BERLIN)}
        change = diff_schedule(pending, plan_prompts(self.protocol, new, BERLIN))
        assert [p.key for p in change.move] == ["eve@2"]
        assert change.move[0].due_at == local(BERLIN, 2026, 6, 4, 19)
        assert change.unchanged == ("after@1",)
        assert change.add == () and change.cancel == ()

    def test_cancelling_a_session_cancels_its_pending_prompts(self) -> None:
        old = [dosing(1, utc(2026, 6, 1, 8)), integration(2, utc(2026, 6, 3, 8))]
        new = [dosing(1, utc(2026, 6, 1, 8)), integration(2, utc(2026, 6, 3, 8), cancelled=True)]
        pending = {p.key: p.due_at for p in plan_prompts(self.protocol, old, BERLIN)}
        change = diff_schedule(pending, plan_prompts(self.protocol, new, BERLIN))
        assert change.cancel == ("eve@2",) and not change.add and not change.move

    def test_a_new_session_adds_prompts_but_sent_ones_are_never_added_again(self) -> None:
        sessions = [dosing(1, utc(2026, 6, 1, 8)), integration(2, utc(2026, 6, 3, 8))]
        change = diff_schedule({}, plan_prompts(self.protocol, sessions, BERLIN), done={"after@1"})
        assert [p.key for p in change.add] == ["eve@2"]

    def test_nothing_to_do_is_empty(self) -> None:
        plan = plan_prompts(self.protocol, [dosing(1, utc(2026, 6, 1, 8))], BERLIN)
        assert diff_schedule({p.key: p.due_at for p in plan}, plan).is_empty

    def test_naive_pending_times_are_refused(self) -> None:
        with pytest.raises(ValueError):
            diff_schedule({"after@1": datetime(2026, 6, 2, 19)}, [])


# -- properties ------------------------------------------------------------------------

# Zones whose local date never runs backwards (no fall-back across midnight), with
# spring/fall transitions in both hemispheres, half- and three-quarter-hour offsets.
ZONES = [
    "UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Sao_Paulo",
    "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu",
    "America/St_Johns", "Pacific/Chatham",
]  # fmt: skip


def transitions(zone: ZoneInfo, start: int = 2024, end: int = 2028) -> list[datetime]:
    """The UTC instants (to the hour) at which ``zone`` changes its offset."""
    found = []
    moment = datetime(start, 1, 1, tzinfo=UTC)
    while moment.year < end:
        following = moment + timedelta(days=1)
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            hour = moment
            while hour.astimezone(zone).utcoffset() == moment.astimezone(zone).utcoffset():
                hour += timedelta(hours=1)
            found.append(hour)
        moment = following
    return found


TRANSITIONS = {name: transitions(ZoneInfo(name)) for name in ZONES}

zones = st.sampled_from(ZONES).map(ZoneInfo)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
# DST mistakes live within a day or two of a transition: draw there most of the time.
near = st.integers(-2 * 86_400, 2 * 86_400).map(lambda s: timedelta(seconds=s))


def instants_in(zone: ZoneInfo) -> st.SearchStrategy[datetime]:
    changes = TRANSITIONS[zone.key]
    if not changes:
        return instants
    close = st.builds(lambda t, d: t + d, st.sampled_from(changes), near)
    return st.one_of(close, close, instants)


zoned_instants = zones.flatmap(lambda z: st.tuples(st.just(z), instants_in(z)))
# Wall times on and around typical transition hours, and anywhere in the day.
walls = st.one_of(
    st.sampled_from([time(0), time(1, 30), time(2), time(2, 30), time(3), time(23, 59)]),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)
quiet_hours = st.one_of(
    st.none(),
    st.tuples(walls, walls).filter(lambda p: p[0] != p[1]).map(lambda p: QuietHours(*p)),
)


@st.composite
def steps(draw: st.DrawFn, step_id: str = "s") -> ProtocolStep:
    seconds = draw(st.one_of(st.integers(0, 2 * 86_400), st.integers(0, 40 * 86_400)))
    offset = format_duration(timedelta(seconds=seconds))
    direction = draw(st.sampled_from(["after", "before"]))
    at = draw(st.one_of(st.none(), walls))
    return make_step(
        step_id,
        anchor=draw(st.sampled_from(["dosing", "integration"])),
        occurrence=draw(st.sampled_from(["each", "first", "last"])),
        after=offset if direction == "after" else None,
        before=offset if direction == "before" else None,
        at=None if at is None else f"{at:%H:%M}",
        reminders=draw(st.one_of(st.none(), st.integers(0, 5))),
        window=draw(st.one_of(st.none(), st.sampled_from(["30s", "2h", "24h", "3d"]))),
    )


@st.composite
def protocols(draw: st.DrawFn) -> Protocol:
    count = draw(st.integers(1, 4))
    return make_protocol(
        *(draw(steps(f"step{n}")) for n in range(count)),
        quiet=draw(quiet_hours),
        window=draw(st.sampled_from(["10s", "1h", "24h", "2d"])),
        reminders=draw(st.integers(0, 5)),
    )


@st.composite
def session_lists(draw: st.DrawFn, zone: ZoneInfo) -> list[SessionInfo]:
    count = draw(st.integers(0, 6))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    return [
        SessionInfo(
            session_id,
            draw(st.sampled_from(["dosing", "integration", "preparation"])),
            draw(instants_in(zone)),
            draw(st.booleans()),
        )
        for session_id in ids
    ]


zoned_sessions = zones.flatmap(lambda z: st.tuples(st.just(z), session_lists(z)))


def wall_exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    naive = datetime.combine(day, wall)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


class TestScheduleProperties:
    @given(protocols(), zoned_sessions)
    def test_plans_are_aware_utc_outside_quiet_hours_and_well_ordered(
        self, protocol: Protocol, zoned: tuple[ZoneInfo, list[SessionInfo]]
    ) -> None:
        zone, sessions = zoned
        plan = plan_prompts(protocol, sessions, zone)
        for prompt in plan:
            step = protocol.step(prompt.step_id)
            assert prompt.due_at.tzinfo is UTC and prompt.expires_at.tzinfo is UTC
            assert prompt.expires_at - prompt.due_at == protocol.window_for(step)
            moments = [prompt.due_at, *prompt.reminder_times, prompt.expires_at]
            assert moments == sorted(set(moments)), "reminders strictly inside, in order"
            assert len(prompt.reminder_times) <= protocol.reminders_for(step)
            for moment in (prompt.due_at, *prompt.reminder_times):
                assert moment.tzinfo is UTC
                assert not is_quiet(moment, protocol.quiet_hours, zone)
                if protocol.quiet_hours is not None:  # and by the wall clock, too
                    assert not protocol.quiet_hours.contains(moment.astimezone(zone).time())
        assert [p.due_at for p in plan] == sorted(p.due_at for p in plan)
        keys = [p.key for p in plan]
        assert len(keys) == len(set(keys)), "each (step, session) at most once"

    @given(protocols(), zoned_sessions, st.randoms(use_true_random=False))
    def test_plans_are_deterministic_whatever_the_session_order(
        self,
        protocol: Protocol,
        zoned: tuple[ZoneInfo, list[SessionInfo]],
        rnd: random.Random,
    ) -> None:
        zone, sessions = zoned
        shuffled = list(sessions)
        rnd.shuffle(shuffled)
        assert plan_prompts(protocol, sessions, zone) == plan_prompts(protocol, shuffled, zone)

    @example(  # quiet hours start in the hour Chatham's clocks repeat
        make_step(before="1s"),
        QuietHours(time(3), time(0)),
        (ZoneInfo("Pacific/Chatham"), utc(2024, 4, 6, 14)),
        1,
    )
    @given(
        steps(),
        quiet_hours,
        zoned_instants,
        st.one_of(st.integers(0, 6 * 3600), st.integers(0, 3 * 86_400)),
    )
    def test_due_time_is_monotone_in_the_anchor_time(
        self,
        step: ProtocolStep,
        quiet: QuietHours | None,
        zoned: tuple[ZoneInfo, datetime],
        later_by: int,
    ) -> None:
        zone, early = zoned
        late = early + timedelta(seconds=later_by)
        assert due_time(step, early, zone, quiet) <= due_time(step, late, zone, quiet)

    @given(steps(), quiet_hours, zoned_instants)
    def test_the_local_wall_time_is_at_unless_a_gap_or_quiet_hours_moved_it(
        self, step: ProtocolStep, quiet: QuietHours | None, zoned: tuple[ZoneInfo, datetime]
    ) -> None:
        zone, anchor = zoned
        pinned = due_time(step, anchor, zone)
        due = due_time(step, anchor, zone, quiet)
        if is_quiet(pinned, quiet, zone):
            assert due > pinned
        else:
            assert due == pinned
        if step.at is not None:
            day = (anchor + step.offset).astimezone(zone).date()
            wall = pinned.astimezone(zone)
            if wall_exists(day, step.at, zone):
                assert wall.replace(tzinfo=None) == datetime.combine(day, step.at)
                readings = {
                    datetime.combine(day, step.at, zone).replace(fold=fold).astimezone(UTC)
                    for fold in (0, 1)
                }
                assert pinned == min(readings), "an ambiguous wall time is its first occurrence"
            else:  # moved forward to the end of the gap: the first instant after it
                assert wall.date() == day and wall.time() > step.at
                assert (pinned - timedelta(seconds=1)).astimezone(zone).utcoffset() != (
                    wall.utcoffset()
                )

    @given(quiet_hours, zoned_instants)
    def test_next_allowed_time_is_never_earlier_never_quiet_and_idempotent(
        self, quiet: QuietHours | None, zoned: tuple[ZoneInfo, datetime]
    ) -> None:
        zone, when = zoned
        allowed = next_allowed_time(when, quiet, zone)
        assert allowed >= when and allowed.tzinfo is UTC
        assert not is_quiet(allowed, quiet, zone)
        assert next_allowed_time(allowed, quiet, zone) == allowed
        if not is_quiet(when, quiet, zone):
            assert allowed == when
        else:  # the quiet period really ended just then
            assert is_quiet(allowed - timedelta(seconds=1), quiet, zone)

    @settings(max_examples=50)
    @given(protocols(), zones.flatmap(lambda z: st.tuples(
        st.just(z), session_lists(z), session_lists(z)
    )), st.data())  # fmt: skip
    def test_applying_a_diff_yields_the_new_plan(
        self,
        protocol: Protocol,
        zoned: tuple[ZoneInfo, list[SessionInfo], list[SessionInfo]],
        data: st.DataObject,
    ) -> None:
        zone, before, after = zoned
        old_plan = plan_prompts(protocol, before, zone)
        sent = {p.key for p in old_plan if data.draw(st.booleans())}
        pending = {p.key: p.due_at for p in old_plan if p.key not in sent}
        new_plan = plan_prompts(protocol, after, zone)
        change = diff_schedule(pending, new_plan, done=sent)

        result = {k: v for k, v in pending.items() if k not in change.cancel}
        result.update({p.key: p.due_at for p in (*change.move, *change.add)})
        expected = {p.key: p.due_at for p in new_plan if p.key not in sent or p.key in pending}
        assert result == expected
        assert not sent & {p.key for p in change.add}


def test_planned_prompt_key_names_step_and_session() -> None:
    prompt = PlannedPrompt("day3-evening", 42, utc(2026, 1, 1), utc(2026, 1, 2))
    assert prompt.key == "day3-evening@42"
