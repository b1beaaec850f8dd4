"""The doses of a dosing session: what staff type, checked, and the record read back."""

from __future__ import annotations

from datetime import time

import pytest

from bot.domain.dosing import Dose, DoseRecord, parse_dose, parse_record
from bot.errors import InvalidValue


class TestDoses:
    @pytest.mark.parametrize(
        ("text", "dose"),
        [
            ("80mg@09:00", Dose(80, time(9))),
            ("40 mg @ 10:30", Dose(40, time(10, 30))),
            ("62.5mg@9:45", Dose(62.5, time(9, 45))),
            ("120MG@11:05", Dose(120, time(11, 5))),
        ],
    )
    def test_a_dose_is_an_amount_at_a_local_time(self, text: str, dose: Dose) -> None:
        assert parse_dose(text) == dose

    @pytest.mark.parametrize(
        "text", ["80@09:00", "80mg", "80mg@25:00", "0mg@09:00", "900mg@09:00", "eighty mg@9:00"]
    )
    def test_anything_else_is_refused_with_the_reason(self, text: str) -> None:
        with pytest.raises(InvalidValue) as caught:
            parse_dose(text)
        assert caught.value.key == "problem.dose"

    def test_a_record_reads_back_as_it_was_written(self) -> None:
        record = DoseRecord(parse_dose("80mg@09:00"), (parse_dose("40mg@10:30"),))
        assert str(record) == "initial 80mg@09:00; supplemental 40mg@10:30"
        assert parse_record(str(record)) == record

    def test_a_supplemental_dose_comes_after_the_one_before(self) -> None:
        with pytest.raises(InvalidValue) as caught:
            DoseRecord(parse_dose("80mg@10:00"), (parse_dose("40mg@09:30"),))
        assert caught.value.key == "problem.dose_order"
