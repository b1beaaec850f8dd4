"""The digest's composition (pure): windows, excerpts, every entry, media, flags by source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.digest import (
    EXCERPT_CHARS,
    FIRST_WINDOW,
    LONGEST_WINDOW,
    SETTLE,
    WrittenMessage,
    compose,
    digest_window,
    excerpt,
    groups,
)
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import Flag, ScheduledPrompt
from bot.domain.safety import FlagStatus, Tier
from bot.domain.schedule import PromptStatus
from bot.domain.trends import MoodPoint
from bot.services.digests import charted

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
THERAPIST = Person(id=1, role=Role.THERAPIST, code="T-01", timezone="UTC", created_at=NOW)


def participant(pid: int, status: PersonStatus = PersonStatus.ACTIVE) -> Person:
    return Person(id=pid, role=Role.PARTICIPANT, code=f"P-{pid:04d}", timezone="UTC",
                  created_at=NOW, status=status, therapist_id=1)


def message(mid: int, entry: int, pid: int = 10, kind: str = "text", text: str | None = "ok",
            minutes: int = 0, prompt_id: int | None = None) -> WrittenMessage:
    screened = kind in ("text", "scale") or text is not None
    return WrittenMessage(mid, entry, pid, kind, text, screened,
                          NOW - timedelta(hours=5) + timedelta(minutes=minutes),
                          prompt_id=prompt_id)


def flag(fid: int, source_kind: str, source_id: int | None, pid: int = 10,
         status: FlagStatus = FlagStatus.OPEN, tier: Tier = Tier.HIGH) -> Flag:
    return Flag(fid, pid, source_kind, source_id, tier, "suicidality", NOW - timedelta(hours=1),
                status=status)


class TestWindow:
    def test_the_first_digest_looks_back_one_day(self) -> None:
        assert digest_window(None, NOW) == (NOW - SETTLE - FIRST_WINDOW, NOW - SETTLE)

    def test_the_next_starts_where_the_previous_ended(self) -> None:
        previous = NOW - timedelta(days=1, minutes=1)
        assert digest_window(previous, NOW) == (previous, NOW - SETTLE)

    def test_after_a_long_gap_no_further_back_than_two_weeks(self) -> None:
        since, until = digest_window(NOW - timedelta(days=60), NOW)
        assert until - since == LONGEST_WINDOW

    def test_a_digest_on_request_runs_up_to_now(self) -> None:
        assert digest_window(NOW - timedelta(hours=3), NOW, settle=False)[1] == NOW


class TestExcerpt:
    def test_a_short_text_is_kept_whole_on_one_line(self) -> None:
        assert excerpt("A calm\nmorning,   a walk.") == "A calm morning, a walk."

    def test_a_long_text_is_cut_between_words(self) -> None:
        text = "I walked along the river and thought about the session " * 10
        cut = excerpt(text)
        assert len(cut) <= EXCERPT_CHARS and cut.endswith("…")
        words = cut.removesuffix("…").split()
        assert words == text.split()[: len(words)]  # only whole words

    def test_one_endless_word_is_still_cut(self) -> None:
        assert len(excerpt("a" * 500)) == EXCERPT_CHARS


class TestCompose:
    def test_every_entry_is_listed_with_media_on_their_own_lines(self) -> None:
        messages = [
            message(1, 100, text="Slept badly.", minutes=0),
            message(2, 100, text="Better after coffee.", minutes=5),
            message(3, 100, kind="voice", text=None, minutes=6),
            message(4, 101, text="A good walk.", minutes=90),
            message(5, 102, kind="photo", text="my garden", minutes=200),
        ]
        digest = compose(THERAPIST, [participant(10)], since=NOW - timedelta(days=1), until=NOW,
                         messages=messages, prompts=[], flags=[])
        [part] = digest.participants
        assert part.entries == 3
        assert [(i.entry_id, [m.id for m in i.messages]) for i in part.items] == [
            (100, [1, 2]), (100, [3]), (101, [4]), (102, [5])]
        assert part.items[0].text == "Slept badly. / Better after coffee."
        voice, photo = part.items[1].media, part.items[3].media
        assert voice is not None and voice.unscreened and voice.kind == "voice"
        assert photo is not None and photo.unscreened and photo.text == "my garden"
        assert part.items[2].media is None and not part.items[2].messages[0].unscreened

    def test_flags_go_with_the_message_or_questionnaire_they_came_from(self) -> None:
        messages = [message(1, 100, text="I want to die"), message(2, 101, minutes=60),
                    message(3, 102, kind="questionnaire", text="PHQ-9: 17 (Moderately severe)",
                            minutes=120, prompt_id=77)]
        flags = [flag(5, "journal", 1), flag(6, "questionnaire", 77, tier=Tier.HIGH),
                 flag(7, "silence", 40, tier=Tier.LOW),
                 flag(8, "journal", 2, status=FlagStatus.ACKNOWLEDGED, tier=Tier.MODERATE)]
        digest = compose(THERAPIST, [participant(10)], since=NOW - timedelta(days=1), until=NOW,
                         messages=messages, prompts=[], flags=flags)
        [part] = digest.participants
        assert [[f.id for f in i.flags] for i in part.items] == [[5], [8], [6]]
        assert [f.id for f in part.open_flags] == [5, 6, 7]  # the acknowledged one is not open

    def test_prompts_of_the_window_are_counted(self) -> None:
        def prompt(pid: int, status: PromptStatus) -> ScheduledPrompt:
            return ScheduledPrompt(pid, 10, f"p:{pid}", "text", NOW, NOW, NOW, status=status,
                                   sent_at=NOW - timedelta(hours=2))

        prompts = [prompt(1, PromptStatus.ANSWERED), prompt(2, PromptStatus.MISSED),
                   prompt(3, PromptStatus.SENT)]
        digest = compose(THERAPIST, [participant(10)], since=NOW - timedelta(days=1), until=NOW,
                         messages=[], prompts=prompts, flags=[])
        [part] = digest.participants
        assert (part.prompts_sent, part.prompts_answered, part.prompts_missed) == (3, 1, 1)
        assert part.items == ()

    @pytest.mark.parametrize(("wrote", "listed"), [(True, True), (False, False)])
    def test_a_withdrawn_participant_is_listed_when_they_wrote(self, wrote: bool,
                                                               listed: bool) -> None:
        gone = participant(11, PersonStatus.WITHDRAWN)
        messages = [message(1, 100, pid=11, text="still here")] if wrote else []
        digest = compose(THERAPIST, [participant(10), gone], since=NOW - timedelta(days=1),
                         until=NOW, messages=messages, prompts=[], flags=[])
        codes = [p.participant.code for p in digest.participants]
        assert ("P-0011" in codes) is listed and "P-0010" in codes
        if listed:
            assert digest.participants[1].withdrawn


class TestScores:
    def test_a_questionnaire_is_shown_once_as_a_score_against_baseline(self) -> None:
        from bot.domain.trends import ScorePoint
        from prompts.questionnaire_loader import instruments

        messages = [message(1, 100, text="Walked by the river"),
                    message(2, 101, kind="questionnaire", text="PHQ-9: 9 (Mild)", minutes=60,
                            prompt_id=77)]
        scores = [ScorePoint(10, 70, "phq9", NOW - timedelta(days=9), 17, None,
                             "Moderately severe"),
                  ScorePoint(10, 77, "phq9", NOW - timedelta(hours=4), 9, None, "Mild")]
        flags = [flag(6, "questionnaire", 77, tier=Tier.HIGH)]
        digest = compose(THERAPIST, [participant(10)], since=NOW - timedelta(days=1), until=NOW,
                         messages=messages, prompts=[], flags=flags, scores=scores,
                         instruments=instruments(), chart_since=NOW - timedelta(days=42))
        [part] = digest.participants
        assert [item.text for item in part.items] == ["Walked by the river"]
        [line] = part.scores
        assert (line.latest.total, line.baseline and line.baseline.total) == (9, 17)
        assert line.change is not None and line.change.delta == -8
        assert [f.id for f in part.score_flags] == [6]
        assert part.trend is not None and [p.prompt_id for p in part.trend.scores] == [70, 77]

    def test_without_its_score_a_questionnaire_stays_an_entry(self) -> None:
        messages = [message(2, 101, kind="questionnaire", text="PHQ-9: 9 (Mild)", prompt_id=77)]
        digest = compose(THERAPIST, [participant(10)], since=NOW - timedelta(days=1), until=NOW,
                         messages=messages, prompts=[], flags=[])
        [part] = digest.participants
        assert [item.text for item in part.items] == ["PHQ-9: 9 (Mild)"] and part.scores == ()


def partner(pid: int, couple: int) -> Person:
    return Person(id=pid, role=Role.PARTICIPANT, code=f"P-{pid:04d}", timezone="UTC",
                  created_at=NOW, therapist_id=1, couple_id=couple)


class TestCouples:
    def test_the_partners_of_a_couple_follow_one_another(self) -> None:
        caseload = [partner(10, 3), participant(11), participant(12), partner(13, 3)]
        digest = compose(THERAPIST, caseload, since=NOW - timedelta(days=1), until=NOW,
                         messages=[], prompts=[], flags=[])
        assert [p.participant.id for p in digest.participants] == [10, 13, 11, 12]
        assert [[p.participant.id for p in g] for g in groups(digest.participants)] == [
            [10, 13], [11], [12]]

    def test_a_refused_share_and_a_checklist_answer_attach_to_their_entry(self) -> None:
        messages = [message(1, 100), message(2, 101, minutes=5)]
        flags = [flag(7, "share", 1), flag(8, "checklist", 2), flag(9, "checklist_missed", 2)]
        digest = compose(THERAPIST, [participant(10)], since=NOW - timedelta(days=1), until=NOW,
                         messages=messages, prompts=[], flags=flags)
        items = digest.participants[0].items
        assert [[f.id for f in i.flags] for i in items] == [[7], [8]]
        assert [f.id for f in digest.participants[0].open_flags] == [7, 8, 9]

    def test_the_chart_draws_both_partners_or_neither(self) -> None:
        # seven who answered the mood scale; the partners answered least, one has a flag
        caseload = [participant(n) for n in range(10, 15)] + [partner(20, 3), partner(21, 3)]
        mood = [MoodPoint(p.id, NOW - timedelta(hours=h), 5) for p in caseload[:5]
                for h in range(1, 4)]
        mood += [MoodPoint(20, NOW - timedelta(hours=1), 4), MoodPoint(21, NOW - timedelta(
            hours=1), 6)]
        digest = compose(THERAPIST, caseload, since=NOW - timedelta(days=1), until=NOW,
                         messages=[], prompts=[], flags=[], mood=mood)
        codes = [t.code for t in charted(digest.participants)]
        assert len(codes) == 5 and "P-0020" not in codes and "P-0021" not in codes
        flagged = compose(THERAPIST, caseload, since=NOW - timedelta(days=1), until=NOW,
                          messages=[], prompts=[], flags=[flag(1, "journal", 99, pid=21)],
                          mood=mood)
        codes = [t.code for t in charted(flagged.participants)]
        assert codes[:2] == ["P-0020", "P-0021"] and len(codes) == 6
