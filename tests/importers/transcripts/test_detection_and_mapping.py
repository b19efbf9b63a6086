from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cmeledger.domain.credits import CreditRole
from cmeledger.domain.extraction import DatePrecision, ExtractedCredit
from cmeledger.importers.credit_types import UNKNOWN_PREFIX
from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.tables import read_table
from cmeledger.importers.transcripts import IMPORTERS, THRESHOLD, choose_importer, parse_transcript
from tests.importers.transcripts import fixture_rows as d
from tests.importers.transcripts import fixtures as f
from tests.importers.transcripts.test_importers import ALL_FIXTURES

EXPECTED = {
    "passport": "cme_passport",
    "edhub": "ama_edhub",
    "aafp": "aafp",
    "acp": "acp",
    "acs": "acs_mycme",
    "acoem": "acoem",
    "nccpa": "nccpa",
    "cloudcme": "generic",
    "generic": "generic",
}


@pytest.mark.parametrize("name", sorted(ALL_FIXTURES))
def test_it_picks_the_importer_for_each_source_by_its_headers(name: str) -> None:
    table = read_table(name, ALL_FIXTURES[name]())
    assert choose_importer(table).name == EXPECTED[name.split(".")[0]]


def test_it_falls_back_to_generic_when_no_source_is_sure() -> None:
    table = read_table("t.csv", f.generic_csv([f.good_row(1)]))
    scores = {n: imp.score(table) for n, imp in IMPORTERS.items() if n != "generic"}
    assert max(scores.values()) < THRESHOLD
    assert choose_importer(table).name == "generic"


def test_it_scores_between_zero_and_one() -> None:
    for name, make in ALL_FIXTURES.items():
        table = read_table(name, make())
        assert all(0.0 <= imp.score(table) <= 1.0 for imp in IMPORTERS.values())


def test_it_uses_the_importer_it_is_told_to() -> None:
    data = f.generic_csv([("FMX", "AAFP", "2024-01-02", "7.33", "Prescribed")])
    (generic,) = parse_transcript("t.csv", data, importer="generic")
    (aafp,) = parse_transcript("t.csv", data, importer="aafp")
    assert generic.credits[0].amount == Decimal("7.33")
    assert aafp.credits[0].amount == Decimal("7.25")


def test_it_lists_the_importers_when_told_an_unknown_one() -> None:
    with pytest.raises(ExtractionError) as caught:
        parse_transcript("t.csv", f.generic_csv([f.good_row(1)]), importer="abim")
    assert "'abim'" in caught.value.reason
    assert all(name in caught.value.reason for name in IMPORTERS)


def foreign_csv() -> bytes:
    return f.csv_bytes(
        [
            ("Kurs", "Anbieter", "Datum", "Punkte", "Art"),
            ("Kardiologie Update", "Charité", "2024-03-01", "4.00", "AMA PRA Category 1"),
        ]
    )


def test_it_names_the_missing_columns_and_the_map_option() -> None:
    with pytest.raises(ExtractionError) as caught:
        parse_transcript("t.csv", foreign_csv())
    reason = caught.value.reason
    assert "activity title" in reason and "'Kurs'" in reason and "--map" in reason


def test_it_reads_columns_named_with_map_with_full_confidence() -> None:
    mapping = {"Kurs": "title", "Anbieter": "provider", "datum": "date", "Punkte": "amount",
               "Art": "credit_type"}  # fmt: skip
    (record,) = parse_transcript("t.csv", foreign_csv(), mapping=mapping)
    assert record.title == "Kardiologie Update" and record.provider == "Charité"
    assert record.completion_date == date(2024, 3, 1)
    assert record.credits == (ExtractedCredit("ama_pra_1", Decimal(4), CreditRole.AWARDED),)
    assert record.field_confidence["title"] == 1.0 and not record.needs_review


def test_it_lets_map_override_a_guess() -> None:
    data = f.csv_bytes(
        [
            ("Title", "Provider", "Date", "Registered", "Credits", "Credit Type"),
            ("Rounds", "Hospital", "2024-01-01", "2024-02-10", "1", "Category 1"),
        ]
    )
    (guessed,) = parse_transcript("t.csv", data)
    (mapped,) = parse_transcript("t.csv", data, mapping={"Registered": "date", "Date": "ignore"})
    assert guessed.completion_date == date(2024, 1, 1)
    assert mapped.completion_date == date(2024, 2, 10)


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [({"Kurs": "titel"}, "unknown field 'titel'"), ({"Course": "title"}, "not in the file")],
)
def test_it_refuses_a_map_that_does_not_fit(mapping: dict[str, str], expected: str) -> None:
    with pytest.raises(ExtractionError, match=expected):
        parse_transcript("t.csv", foreign_csv(), mapping=mapping)


def test_it_flags_a_month_only_date() -> None:
    (record,) = parse_transcript(
        "t.csv", f.generic_csv([("Rounds", "Hospital", "March 2024", "1", "Category 1")])
    )
    assert record.completion_date == date(2024, 3, 1)
    assert record.date_precision is DatePrecision.MONTH
    assert record.needs_review and any("only the month" in r for r in record.review_reasons)


def test_it_keeps_a_row_of_unknown_credit_type_for_review() -> None:
    (record,) = parse_transcript(
        "t.csv", f.generic_csv([("Ethics", "Psych Assn", "2024-01-01", "3", "APA CE credit")])
    )
    assert record.credits[0].type == UNKNOWN_PREFIX + "APA CE credit"
    assert record.credits[0].amount == Decimal(3)
    assert "unknown credit type 'APA CE credit'" in record.review_reasons[0]
    assert record.field_confidence["credits"] < 0.85 and record.needs_review


def test_it_asks_when_nothing_says_the_credit_type() -> None:
    data = f.csv_bytes(
        [("Title", "Provider", "Date", "Credits"), ("Rounds", "H", "2024-01-01", "1")]
    )
    (record,) = parse_transcript("t.csv", data)
    assert record.credits[0].type.startswith(UNKNOWN_PREFIX) and record.needs_review


def test_it_cuts_amounts_to_two_decimals_and_says_so() -> None:
    (record,) = parse_transcript(
        "t.csv",
        f.generic_csv([("UpToDate", "Wolters Kluwer", "2024-01-01", "0.167", "Contact hours")]),
    )
    assert record.credits[0].amount == Decimal("0.16")
    assert any("more than two decimals" in r for r in record.review_reasons)


def test_it_flags_an_amount_off_its_credit_types_step() -> None:
    (record,) = parse_transcript(
        "t.csv", f.generic_csv([("Rounds", "Hospital", "2024-01-01", "1.1", "Category 1")])
    )
    assert record.credits[0].amount == Decimal("1.1")
    assert any("0.25" in r for r in record.review_reasons)


def test_it_reads_a_workbook_date_that_lost_its_date_format() -> None:
    data = f.xlsx_bytes([d.GENERIC_HEADER, ("Rounds", "Hospital", 45321, 1, "Category 1")])
    (record,) = parse_transcript("t.xlsx", data)
    assert record.completion_date == date(2024, 1, 30)  # Excel serial 45292 is 2024-01-01


def test_it_reads_moc_points_for_several_boards_from_one_cell() -> None:
    data = f.csv_bytes(
        [
            ("Title", "Provider", "Date", "Credits", "Credit Type", "MOC Points"),
            ("Peds Cardio", "Hospital", "2024-01-01", "2", "Category 1", "ABIM: 2.00; ABP 2"),
        ]
    )
    (record,) = parse_transcript("t.csv", data)
    assert [(m.board, m.points, m.credit_type) for m in record.moc] == [
        ("ABIM", Decimal("2.00"), "moc_abim_mk"),
        ("ABP", Decimal(2), "moc_abp_ll"),
    ]


def test_it_asks_for_the_board_of_moc_points_that_name_none() -> None:
    data = f.csv_bytes(
        [
            ("Title", "Provider", "Date", "Credits", "Credit Type", "MOC Points"),
            ("Rounds", "Hospital", "2024-01-01", "1", "Category 1", "1"),
        ]
    )
    (record,) = parse_transcript("t.csv", data)
    assert record.moc[0].board == "unknown" and record.needs_review
