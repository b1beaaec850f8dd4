"""The pre-session safety check: what an answer names, in four languages, and the file's
validation (every problem with its file and line)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.domain.checklist import evaluate, normalise
from prompts.checklist_loader import (
    CHECKLISTS_DIR,
    checklist_by_id,
    load_checklist,
    validate_checklist_file,
)
from prompts.protocols import validate_protocol_text

CHECKLIST = checklist_by_id("pre-session")


def named(answer: str) -> list[str]:
    return [finding.contraindication for finding in evaluate(CHECKLIST, answer)]


class TestShippedChecklist:
    def test_it_validates_clean_and_speaks_four_languages(self) -> None:
        for path in CHECKLISTS_DIR.glob("*.yaml"):
            assert validate_checklist_file(path) == []
        assert set(CHECKLIST.languages) == {"en", "de", "es", "fr"}
        for item in CHECKLIST.items:
            assert set(item.question) == {"en", "de", "es", "fr"}, item.id
        assert [item.id for item in CHECKLIST.items] == ["medications", "health", "substances"]

    @pytest.mark.parametrize("lang", ["en", "de", "es", "fr"])
    def test_the_questions_are_numbered_in_the_participants_language(self, lang: str) -> None:
        text = CHECKLIST.questions_for(lang)
        assert text.startswith(CHECKLIST.intro[lang])
        assert "1. " in text and "2. " in text and "3. " in text
        assert CHECKLIST.reply_hint[lang] in text


class TestEvaluation:
    @pytest.mark.parametrize(
        "answer",
        [
            "I take sertraline 50mg every morning",  # generic, English
            "Zoloft since the summer",  # a brand
            "Ich nehme seit letzter Woche Sertralin",  # German spelling
            "Tomo escitalopram por la mañana",  # Spanish
            "Je prends du Seroplex",  # a French brand
            "FLUOXETINE",  # case does not matter
            "I stopped Lexapro two weeks ago",  # stopped recently: still for the therapist
            "1. citalopram 2. nothing 3. no",
        ],
    )
    def test_an_ssri_named_in_any_language_is_a_contraindication(self, answer: str) -> None:
        assert "ssri" in named(answer)

    @pytest.mark.parametrize(
        ("answer", "expected"),
        [
            ("venlafaxine 75", "snri"),
            ("Cymbalta", "snri"),
            ("phenelzine", "maoi"),
            ("still on lithium", "lithium"),
            ("Medikinet for my ADHD", "stimulant"),
            ("I've been taking St John's wort", "other_interacting"),
            ("Johanniskraut", "other_interacting"),
            ("tramadol for my back", "other_interacting"),
            ("my doctor started me on an antidepressant", "antidepressant"),
            ("my blood pressure has been high", "heart"),
            ("Ich habe Herzrasen", "heart"),
            ("I might be pregnant", "pregnancy"),
            ("estoy embarazada", "pregnancy"),
            ("Je suis enceinte", "pregnancy"),
            ("I was diagnosed with epilepsy", "new_condition"),
            ("a few beers on Saturday", "alcohol"),
            ("J'ai bu deux verres de vin", "alcohol"),
            ("smoked some weed", "drugs"),
            ("un porro el viernes", "drugs"),
        ],
    )
    def test_each_kind_of_contraindication_is_found(self, answer: str, expected: str) -> None:
        assert expected in named(answer)

    @pytest.mark.parametrize(
        "answer",
        [
            "No medications. No alcohol, no drugs. Health is fine.",
            "nothing new",
            "Keine Medikamente, kein Alkohol, keine Drogen",
            "nada nuevo, ningún medicamento, sin alcohol",
            "Aucun médicament, pas d'alcool, rien de nouveau",
            "I'm not pregnant and I haven't had any alcohol",
            "no antidepressants, no SSRIs",
            "heart is fine, blood pressure normal",
            "I have been vinyasa-ing and beginning to feel well",  # vin, gin inside words
        ],
    )
    def test_answers_that_name_nothing_are_not_flagged(self, answer: str) -> None:
        assert named(answer) == []

    def test_a_negation_reaches_only_its_own_clause(self) -> None:
        assert named("no drugs, but a lot of alcohol") == ["alcohol"]
        assert named("No alcohol. I smoked cannabis twice") == ["drugs"]

    def test_spans_point_at_the_words_in_the_original_answer(self) -> None:
        answer = "Médicaments : Sertraline, et un peu d'alcool"
        for finding in evaluate(CHECKLIST, answer):
            start, end = finding.span
            assert normalise(answer[start:end]) == finding.text
        assert len(normalise(answer)) == len(answer)


class TestChecklistFiles:
    def write(self, tmp_path: Path, text: str) -> Path:
        path = tmp_path / "check.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def test_every_problem_is_reported_with_its_line(self, tmp_path: Path) -> None:
        path = self.write(
            tmp_path,
            """\
            id: Bad Id
            name: A check
            languages: [en, de]
            intro: {en: Hello}
            reply_hint: {en: Reply, de: Antworten}
            items:
              - id: meds
                question: {en: Which medicines?, de: Welche Medikamente?}
            contraindications:
              - {id: ssri, category: heart, reason: an SSRI, terms: [sertraline]}
              - {id: ssri, category: medication, reason: again, terms: []}
            surprise: yes
            """,
        )
        problems = [(p.line, p.reason) for p in validate_checklist_file(path)]
        assert problems == [
            (1, "the id 'Bad Id' must be lower-case letters, digits, - or _"),
            (4, "'intro' has no de version"),
            (10, "'category' must be one of medication, health, substances (got 'heart')"),
            (11, "the terms of 'ssri' must be a list of words or phrases"),
            (12, "unknown key 'surprise' in a checklist (expected: id, name, languages, "
             "intro, reply_hint, items, negations, contraindications)"),
        ]
        with pytest.raises(ValueError, match=r"check\.yaml:4"):
            load_checklist(path)


class TestChecklistSteps:
    STEP = """\
id: p
name: P
version: 1
steps:
  - id: check
    anchor: dosing
    before: 3d
    kind: checklist
    {extra}
    text: Before your session, a short safety check.
"""

    def test_a_checklist_step_names_a_shipped_checklist(self) -> None:
        assert validate_protocol_text(self.STEP.format(extra="checklist: pre-session")) == []
        problems = validate_protocol_text(self.STEP.format(extra="checklist: nope"), "p.yaml")
        assert [(p.line, p.reason[:40]) for p in problems] == [
            (9, "step 'check': 'checklist' must be one of")
        ]

    def test_a_checklist_step_without_its_checklist_is_refused(self) -> None:
        problems = validate_protocol_text(self.STEP.format(extra="reminders: 1"), "p.yaml")
        assert [p.line for p in problems] == [8]
        assert "needs 'checklist'" in problems[0].reason

    def test_only_checklist_steps_name_a_checklist(self) -> None:
        text = self.STEP.format(extra="checklist: pre-session").replace(
            "kind: checklist", "kind: text"
        )
        problems = validate_protocol_text(text, "p.yaml")
        assert [p.line for p in problems] == [9]
        assert "only belongs to checklist steps" in problems[0].reason


class TestAudience:
    STEP = """\
id: p
name: P
version: 1
steps:
  - id: together
    anchor: dosing
    after: 3d
    kind: text
    audience: {audience}
    text: What did you notice about the two of you?
"""

    @pytest.mark.parametrize("audience", ["each", "couple"])
    def test_each_and_couple_are_audiences(self, audience: str) -> None:
        assert validate_protocol_text(self.STEP.format(audience=audience)) == []

    def test_any_other_audience_is_refused_on_its_line(self) -> None:
        problems = validate_protocol_text(self.STEP.format(audience="couples"), "p.yaml")
        assert [(p.file, p.line) for p in problems] == [("p.yaml", 9)]
        assert "'audience' must be one of each, couple (got 'couples')" in problems[0].reason
