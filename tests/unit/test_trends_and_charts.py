"""Baselines and change, Telegram-sized pieces (UTF-16, captions, between participants,
never mid-word), chart images of a known size, the brief's timing, and times in each
reader's zone and language."""

from __future__ import annotations

import json
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import timefmt
from bot.domain.brief import BriefTiming, HandledFlag, brief_key, previous_session
from bot.domain.chart import ChartLabels, png_size, render, size_of
from bot.domain.outgoing import pack, utf16_length
from bot.domain.records import CANCELLED, Flag, ScheduledPrompt, TreatmentSession
from bot.domain.safety import FlagStatus, Tier
from bot.domain.schedule import PromptStatus
from bot.domain.trends import MoodPoint, ScorePoint, Trend, baseline, score_lines, score_points
from bot.services.drawing import ChartDrawer
from prompts.questionnaire_loader import instruments

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LABELS = ChartLabels("Trends", "Mood (0–10)", "mood", "Score, % of range", "session", "flag",
                     "no answers")


def session(sid: int, kind: str, days: float, status: str = "scheduled") -> TreatmentSession:
    return TreatmentSession(sid, 1, kind, T0 + timedelta(days=days), T0, status=status)


def point(pid: int, instrument: str, days: float, total: int, band: str = "b",
          percentage: int | None = None) -> ScorePoint:
    return ScorePoint(1, pid, instrument, T0 + timedelta(days=days), total, percentage, band)


class TestBaseline:
    def test_the_baseline_is_the_last_score_before_the_first_dosing(self) -> None:
        points = [point(1, "phq9", -20, 20), point(2, "phq9", -3, 17), point(3, "phq9", 9, 9)]
        sessions = [session(1, "preparation", -5), session(2, "dosing", 0),
                    session(3, "dosing", 30)]
        assert baseline(points, sessions).prompt_id == 2

    def test_without_a_score_before_dosing_the_first_score_is_the_baseline(self) -> None:
        points = [point(1, "phq9", 2, 15), point(2, "phq9", 9, 9)]
        assert baseline(points, [session(1, "dosing", 0)]).prompt_id == 1
        assert baseline(points, []).prompt_id == 1
        cancelled = [session(1, "dosing", 5, status=CANCELLED)]
        assert baseline(points, cancelled).prompt_id == 1

    def test_the_change_uses_each_instruments_own_scale_and_direction(self) -> None:
        known = instruments()
        points = [point(1, "phq9", -2, 17, "Moderately severe"), point(2, "phq9", 9, 9, "Mild"),
                  point(3, "who5", -2, 8, "Very low", 32), point(4, "who5", 9, 15, "No", 60),
                  point(5, "gad7", 3, 6, "Mild")]
        lines = {line.instrument.id: line for line in
                 score_lines(points, [session(1, "dosing", 0)], known)}
        phq9, who5, gad7 = lines["phq9"], lines["who5"], lines["gad7"]
        assert phq9.change is not None and phq9.change.delta == -8
        assert phq9.change.direction == "better" and phq9.change.clinically_meaningful
        assert who5.change is not None and who5.change.scale == "percentage"
        assert who5.change.delta == 28 and who5.change.direction == "better"
        assert gad7.baseline is None and gad7.change is None and gad7.is_baseline

    def test_only_instruments_answered_since_the_window_are_new(self) -> None:
        points = [point(1, "phq9", -2, 17), point(2, "gad7", 1, 6), point(3, "gad7", 8, 4)]
        lines = score_lines(points, [], instruments(), since=T0 + timedelta(days=5))
        assert [line.instrument.id for line in lines] == ["gad7"]

    def test_scores_are_read_from_completed_questionnaires_only(self) -> None:
        def prompt(pid: int, status: PromptStatus,
                   state: dict[str, object] | None) -> ScheduledPrompt:
            return ScheduledPrompt(pid, 1, f"q:{pid}", "questionnaire", T0, T0, T0,
                                   status=status, answered_at=T0 + timedelta(hours=pid),
                                   state=json.dumps(state) if state else None)

        done = {"instrument": "phq9", "score": {"total": 12, "percentage": None,
                                                 "band": "Moderate"}}
        found = score_points([prompt(2, PromptStatus.ANSWERED, done),
                              prompt(1, PromptStatus.SENT, {"instrument": "phq9"}),
                              prompt(3, PromptStatus.ANSWERED, {"instrument": "phq9"})])
        assert [(p.prompt_id, p.total, p.band) for p in found] == [(2, 12, "Moderate")]


class TestPieces:
    def test_pieces_break_between_participants_before_lines(self) -> None:
        blocks = ["Header", "P-1\n" + "a" * 50, "P-2\n" + "b" * 50]
        assert pack(blocks, 200, 200) == ["Header\n\nP-1\n" + "a" * 50 + "\n\nP-2\n" + "b" * 50]
        assert pack(blocks, 70, 70) == ["Header\n\nP-1\n" + "a" * 50, "P-2\n" + "b" * 50]

    def test_a_participant_longer_than_a_message_breaks_between_lines(self) -> None:
        block = "\n".join(f"  • line {n}: " + "word " * 8 for n in range(20))
        pieces = pack(["Header", block], 120, 200)
        assert all(utf16_length(p) <= 200 for p in pieces)
        assert all(not p.startswith("word") for p in pieces[1:])  # each starts on a line
        assert "\n".join(pieces).replace("\n\n", "\n").count("  • line") == 20

    def test_the_first_piece_keeps_to_a_captions_limit(self) -> None:
        blocks = [f"P-{n}\n" + "x" * 300 for n in range(30)]
        pieces = pack(blocks, 1024, 4096)
        assert utf16_length(pieces[0]) <= 1024
        assert all(utf16_length(p) <= 4096 for p in pieces[1:])
        assert sum(p.count("P-") for p in pieces) == 30

    def test_emoji_count_twice_and_words_are_never_cut(self) -> None:
        line = " ".join(["🌧🌧🌧rain"] * 40)  # 7 UTF-16 units a word
        pieces = pack([line], 100, 100)
        assert all(utf16_length(p) <= 100 for p in pieces)
        assert all(word == "🌧🌧🌧rain" for p in pieces for word in p.split(" "))
        assert sum(len(p.split(" ")) for p in pieces) == 40


class TestChart:
    def trend(self, code: str, mood: int) -> Trend:
        return Trend(
            code, T0 - timedelta(days=30), T0 + timedelta(days=12),
            mood=tuple(MoodPoint(1, T0 + timedelta(days=n), (n * 3) % 11) for n in range(mood)),
            scores=(point(1, "phq9", -2, 17), point(2, "phq9", 9, 9)),
            sessions=(session(1, "dosing", 0), session(2, "integration", 1)),
            flags=(Flag(1, 1, "journal", 1, Tier.HIGH, "x", T0 + timedelta(days=2)),),
        )

    @pytest.mark.parametrize("panels", [1, 3])
    def test_a_png_of_a_known_size_is_drawn(self, panels: int) -> None:
        trends = [self.trend(f"P-{n}", 10) for n in range(panels)]
        png = render(trends, instruments(), zone=ZoneInfo("Europe/Berlin"), lang="de",
                     labels=LABELS)
        assert png_size(png) == size_of(panels) == (800, 50 + 220 * panels)
        again = render(trends, instruments(), zone=ZoneInfo("Europe/Berlin"), lang="de",
                       labels=LABELS)
        assert again == png  # the same values draw the same image

    def test_a_participant_without_answers_still_gets_a_panel(self) -> None:
        empty = Trend("P-9", T0, T0 + timedelta(days=1), (), (), (), ())
        png = render([empty], instruments(), zone=ZoneInfo("UTC"), lang="en", labels=LABELS)
        assert png_size(png) == size_of(1)


    async def test_drawn_in_a_child_process_it_is_the_same_image(self) -> None:
        trends = [self.trend("P-1", 10)]
        drawer = ChartDrawer()
        try:
            png = await drawer.draw(trends, instruments(), zone=ZoneInfo("Europe/Berlin"),
                                    lang="de", labels=LABELS)
        finally:
            drawer.close()
        assert png == render(trends, instruments(), zone=ZoneInfo("Europe/Berlin"), lang="de",
                             labels=LABELS)


    async def test_without_a_child_process_the_chart_is_drawn_in_a_thread(self) -> None:
        class Broken(Executor):
            def submit(self, *_: object, **__: object) -> Future[bytes]:
                raise BrokenProcessPool("the child process died")

        drawer = ChartDrawer()
        drawer._pool = Broken()  # as if the child could not start or died
        trends = [self.trend("P-1", 3)]
        png = await drawer.draw(trends, instruments(), zone=ZoneInfo("UTC"), lang="en",
                                labels=LABELS)
        assert png_size(png) == size_of(1)
        again = await drawer.draw(trends, instruments(), zone=ZoneInfo("UTC"), lang="en",
                                  labels=LABELS)
        assert again == png and drawer._pool is None  # and no child is tried again


class TestBriefTiming:
    def test_due_the_evening_before_in_the_therapists_zone(self) -> None:
        start = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
        due = BriefTiming().due_at(start, "Europe/Berlin")
        assert due == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
        earlier = BriefTiming(time(9, 30), 2).due_at(start, "America/New_York")
        assert earlier == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)

    def test_across_a_dst_change_the_local_time_holds(self) -> None:
        start = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # Monday after the spring change
        assert BriefTiming().due_at(start, "Europe/Berlin") == datetime(
            2026, 3, 29, 16, 0, tzinfo=UTC)  # 18:00 CEST

    def test_never_after_the_session_itself(self) -> None:
        start = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
        assert BriefTiming(time(18, 0), 0).due_at(start, "UTC") == start

    def test_moving_a_session_changes_its_key(self) -> None:
        before = session(7, "integration", 2)
        moved = TreatmentSession(7, 1, "integration", before.starts_at + timedelta(days=2), T0)
        assert brief_key(before) != brief_key(moved)

    def test_the_previous_session_is_the_latest_before_it_not_cancelled(self) -> None:
        sessions = [session(1, "dosing", 0), session(2, "integration", 1),
                    session(3, "preparation", 5, status=CANCELLED), session(4, "integration", 8)]
        found = previous_session(sessions, sessions[3])
        assert found is not None and found.id == 2
        assert previous_session(sessions, sessions[0]) is None

    def test_time_to_acknowledge_in_minutes(self) -> None:
        flag = Flag(1, 1, "journal", 1, Tier.CRISIS, "x", T0, status=FlagStatus.ACKNOWLEDGED,
                    acknowledged_at=T0 + timedelta(minutes=14, seconds=20), acknowledged_by_id=3)
        assert HandledFlag(flag, "T-01").minutes_to_acknowledge == 14
        assert HandledFlag(Flag(2, 1, "journal", 2, Tier.HIGH, "x", T0), None
                           ).minutes_to_acknowledge is None


class TestTimes:
    AT = datetime(2026, 12, 4, 17, 55, tzinfo=UTC)

    @pytest.mark.parametrize(("lang", "shown"), [
        ("en", "Dec 4, 2026, 6:55 PM"),
        ("de", "4. Dez. 2026, 18:55"),
        ("es", "4 dic 2026, 18:55"),
        ("fr", "4 déc. 2026, 18:55"),
        ("xx", "Dec 4, 2026, 6:55 PM"),  # an unknown language reads English
    ])
    def test_a_time_in_berlin_is_shown_in_berlin_time_for_the_readers_language(
        self, lang: str, shown: str
    ) -> None:
        assert timefmt.when(self.AT, "Europe/Berlin", lang) == shown

    def test_staff_across_zones_see_the_zones_abbreviation(self) -> None:
        assert timefmt.when_zoned(self.AT, "Asia/Tokyo", "en") == "Dec 5, 2026, 2:55 AM JST"
        assert timefmt.when_zoned(self.AT, "Europe/Berlin", "de") == "4. Dez. 2026, 18:55 CET"

    def test_other_zones_and_a_naive_time_is_refused(self) -> None:
        assert timefmt.time_of_day(self.AT, "America/New_York", "de") == "12:55"
        assert timefmt.long_day(self.AT, "Asia/Tokyo", "en") == "Saturday, December 5, 2026"
        with pytest.raises(ValueError):
            timefmt.when(self.AT.replace(tzinfo=None), "UTC", "en")
