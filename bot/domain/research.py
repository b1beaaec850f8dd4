"""The research export's files and columns: what `ember export` writes, described once.

The same description is written out as ``data_dictionary.csv`` (file, column, type,
description), so every column of every file is explained where the data is. People are
known by their pseudonymous codes only: no Telegram ids, no names, anywhere. Journal text
is in ``entries`` only when asked for (``--include-text``), and that export is audited.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # integer, text, number, boolean, timestamp (ISO 8601, UTC)
    description: str


def _c(name: str, type_: str, description: str) -> Column:
    return Column(name, type_, description)


PARTICIPANT = _c("participant", "text", "the participant's pseudonymous code (e.g. P-0142)")

FILES: dict[str, tuple[Column, ...]] = {
    "participants": (
        PARTICIPANT,
        _c("therapist", "text", "the assigned therapist's staff code (e.g. T-01)"),
        _c(
            "status",
            "text",
            "invited, consent_pending, active, paused, withdrawn, unreachable or erased",
        ),
        _c("language", "text", "the language Ember speaks with them (en, de, es, fr)"),
        _c("timezone", "text", "their IANA time zone"),
        _c("protocol", "text", "the prompt protocol they follow (empty: none)"),
        _c("invited_at", "timestamp", "when their record and first invitation were made"),
        _c("enrolled_at", "timestamp", "when they used their invitation (empty: not yet)"),
        _c("consented_at", "timestamp", "when they agreed to the current consent text"),
        _c("consent_version", "text", "the version of the consent text they agreed to"),
        _c("withdrawn_at", "timestamp", "when they withdrew (/stop), if they did"),
        _c(
            "couple_id",
            "integer",
            "the couple they are treated in, the same on both partners' rows (empty: none)",
        ),
    ),
    "sessions": (
        _c("session_id", "integer", "the session's number (as in `ember schedule`)"),
        PARTICIPANT,
        _c("kind", "text", "dosing, integration or preparation"),
        _c("starts_at", "timestamp", "when the session starts"),
        _c("status", "text", "scheduled or cancelled"),
        _c("recorded_at", "timestamp", "when the session was recorded"),
        _c(
            "shared_id",
            "integer",
            "a couple's shared session: the same on both partners' rows (empty: not shared)",
        ),
        _c(
            "doses",
            "text",
            "a dosing session's recorded doses, e.g. 'initial 80mg@09:00; supplement "
            "40mg@11:00' (empty: none recorded)",
        ),
    ),
    "prompts": (
        _c("prompt_id", "integer", "the prompt's number"),
        PARTICIPANT,
        _c("protocol", "text", "the protocol of the step (empty: a one-off prompt)"),
        _c("step", "text", "the protocol step (empty: a one-off prompt)"),
        _c("session_id", "integer", "the session the step is timed from (sessions.session_id)"),
        _c("kind", "text", "text, scale, choice or questionnaire"),
        _c("due_at", "timestamp", "when it was planned to go out"),
        _c("sent_at", "timestamp", "when it was sent (empty: never sent)"),
        _c("expires_at", "timestamp", "when its response window closes"),
        _c("answered_at", "timestamp", "when it was answered (empty: not answered)"),
        _c("reminders_sent", "integer", "gentle reminders sent inside the window"),
        _c(
            "outcome",
            "text",
            "pending (not yet due), sent (window open), answered, missed, "
            "expired (window closed unanswered, not yet marked missed), skipped (paused) "
            "or cancelled",
        ),
        _c("minutes_to_answer", "number", "minutes from sending to the answer"),
    ),
    "entries": (
        _c("message_id", "integer", "the journal message's number"),
        _c(
            "entry_id",
            "integer",
            "the journal entry it belongs to (several messages in a row make one entry)",
        ),
        PARTICIPANT,
        _c(
            "prompt_id", "integer", "the prompt it answers (prompts.prompt_id; empty: a free entry)"
        ),
        _c("kind", "text", "text, scale, choice, questionnaire, photo, voice, document, ..."),
        _c("written_at", "timestamp", "when it was written"),
        _c("edited_at", "timestamp", "when it was last edited (empty: never)"),
        _c("screened", "boolean", "whether the risk screener read it (media are not read)"),
        _c("characters", "integer", "its length in characters"),
        _c(
            "text", "text", "what the participant wrote (only with --include-text; empty otherwise)"
        ),
    ),
    "scores": (
        _c("prompt_id", "integer", "the questionnaire prompt (prompts.prompt_id)"),
        PARTICIPANT,
        _c("instrument", "text", "the instrument (phq9, gad7, pcl5, who5)"),
        _c("item", "text", "the item's id, or 'total' for the instrument's score"),
        _c("value", "number", "the answer's value, or the total score"),
        _c("band", "text", "the clinical band of the total (empty on items)"),
        _c("complete", "boolean", "whether every item was answered"),
        _c(
            "answered_at",
            "timestamp",
            "when the questionnaire was completed (empty: not completed)",
        ),
    ),
    "flags": (
        _c("flag_id", "integer", "the flag's number (as staff see it)"),
        PARTICIPANT,
        _c("tier", "text", "low, moderate, high or crisis"),
        _c("categories", "text", "what the screener or signal found, comma-separated"),
        _c("source", "text", "journal, scale, choice, questionnaire, silence, ..."),
        _c("status", "text", "open or acknowledged"),
        _c("raised_at", "timestamp", "when the flag was raised"),
        _c("acknowledged_at", "timestamp", "when a clinician acknowledged it"),
        _c("acknowledged_by", "text", "the staff code of who acknowledged it"),
        _c("minutes_to_acknowledge", "number", "minutes from raising to acknowledgement"),
    ),
}

DICTIONARY_COLUMNS = ("file", "column", "type", "description")


def file_name(name: str, fmt: str) -> str:
    """``entries`` as ``entries.csv`` or ``entries.jsonl``."""
    return f"{name}.{fmt}"


def dictionary_rows(fmt: str) -> list[tuple[str, str, str, str]]:
    """``data_dictionary.csv``: one line per column of every file."""
    return [
        (file_name(name, fmt), column.name, column.type, column.description)
        for name, columns in FILES.items()
        for column in columns
    ]
