from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from cmeledger.domain.activities import ActivityFormat, SourceKind
from cmeledger.domain.credits import CreditRole
from cmeledger.domain.extraction import DatePrecision, Extracted, ExtractedCredit, ExtractedMoc
from cmeledger.importers.transcripts import parse_transcript
from tests.importers.transcripts import fixture_rows as d
from tests.importers.transcripts import fixtures as f

ALL_FIXTURES: dict[str, Callable[[], bytes]] = {
    "passport.csv": f.passport_csv,
    "passport.xlsx": f.passport_xlsx,
    "edhub.csv": f.edhub_csv_cp1252,
    "edhub.xlsx": f.edhub_xlsx,
    "aafp.csv": f.aafp_csv_semicolon,
    "aafp.xlsx": f.aafp_xlsx_wide,
    "acp.csv": f.acp_csv,
    "acp.xlsx": f.acp_xlsx,
    "acs.csv": f.acs_csv,
    "acs.xlsx": f.acs_xlsx,
    "acoem.csv": f.acoem_csv,
    "acoem.xlsx": f.acoem_xlsx,
    "nccpa.tsv": f.nccpa_tsv,
    "nccpa.xlsx": f.nccpa_xlsx,
    "cloudcme.csv": f.cloudcme_csv,
    "generic.xlsx": f.generic_xlsx,
}


def parse(name: str) -> list[Extracted]:
    return parse_transcript(name, ALL_FIXTURES[name]())


def awarded(record: Extracted, code: str, amount: str) -> bool:
    return ExtractedCredit(code, Decimal(amount), CreditRole.AWARDED) in record.credits


@pytest.mark.parametrize("name", sorted(ALL_FIXTURES))
def test_it_fills_the_record_contract_for_every_source(name: str) -> None:
    records = parse(name)
    assert records
    for r in records:
        assert r.source_kind is SourceKind.TRANSCRIPT
        assert r.method == ("xlsx" if name.endswith(".xlsx") else "csv")
        assert r.page is None and r.source_file == name
        assert {"title", "provider", "completion_date", "credits"} <= set(r.field_confidence)
        assert r.credits or r.moc
        for c in r.credits:
            assert c.role is CreditRole.AWARDED
            assert isinstance(c.amount, Decimal)
            assert c.amount == c.amount.quantize(Decimal("0.01"))


def test_it_merges_a_passport_activitys_credit_types_into_one_completion() -> None:
    first, second, third = parse("passport.csv")
    assert first.title == "Hypertension Update 2024"
    assert first.accme_activity_id == "202412345"
    assert first.provider == "Stanford Medicine CME"
    assert first.completion_date == date(2024, 3, 14)
    assert awarded(first, "ama_pra_1", "2.00") and awarded(first, "ancc_contact_hours", "2")
    assert first.moc == (ExtractedMoc("ABIM", Decimal("2.00"), "moc_abim_mk"),)
    assert second.moc == (ExtractedMoc("ABP", Decimal("1.50"), "moc_abp_ll"),)
    assert third.moc == ()
    assert {r.learner_name for r in (first, second, third)} == {"Jane Q. Doe"}
    assert not first.needs_review


def test_it_reads_the_passport_learner_and_ids_from_columns_in_a_workbook() -> None:
    sepsis, stewardship = parse("passport.xlsx")
    assert sepsis.learner_name == "Jane Q. Doe"
    assert sepsis.field_confidence["learner_name"] == 1.0
    assert sepsis.accme_activity_id == "202401234"
    assert awarded(sepsis, "ama_pra_1", "0.75")
    assert awarded(stewardship, "acpe_contact_hours", "1.25")


def test_it_reads_ed_hub_credit_type_with_a_windows_1252_trademark() -> None:
    journal, enduring, poc = parse("edhub.csv")
    assert awarded(journal, "ama_pra_1", "1")
    assert journal.accredited_provider == "American Medical Association"
    assert journal.completion_date == date(2023, 10, 22)
    assert (journal.format, enduring.format, poc.format) == (
        ActivityFormat.JOURNAL,
        ActivityFormat.ENDURING,
        ActivityFormat.POINT_OF_CARE,
    )
    assert journal.learner_name == "Ana Ruiz"
    assert not any(r.needs_review for r in (journal, enduring, poc))


def test_it_assumes_ama_for_ed_hub_rows_without_a_provider_but_asks() -> None:
    (record,) = parse("edhub.xlsx")
    assert record.provider == record.accredited_provider == "American Medical Association"
    assert awarded(record, "ama_pra_1", "1")
    assert record.needs_review


def test_it_rounds_aafp_amounts_down_to_the_quarter_hour_and_flags_them() -> None:
    fmx, _formal, quiz, knee = parse("aafp.csv")
    assert fmx.credits == (ExtractedCredit("aafp_prescribed", Decimal("7.25"), CreditRole.AWARDED),)
    assert any("7.33" in r and "7.25" in r for r in fmx.review_reasons)
    assert not quiz.review_reasons and quiz.format is ActivityFormat.ENDURING
    assert fmx.format is ActivityFormat.LIVE
    assert awarded(knee, "aafp_prescribed", "1.25")  # a "Total …" title is not a totals line


def test_it_flags_aafp_generic_formal_activity_titles() -> None:
    formal = parse("aafp.csv")[1]
    assert awarded(formal, "aafp_elective", "2")
    assert formal.field_confidence["title"] < 0.85
    assert any("Formal Activity" in r for r in formal.review_reasons)


def test_it_caps_aafp_credit_at_the_approved_maximum_in_a_wide_workbook() -> None:
    review, rounds = parse("aafp.xlsx")
    assert review.credits == (
        ExtractedCredit("aafp_prescribed", Decimal("10.75"), CreditRole.AWARDED),
    )
    assert any("capped" in r for r in review.review_reasons)
    assert rounds.credits == (ExtractedCredit("aafp_elective", Decimal("1.5"), CreditRole.AWARDED),)


def test_it_reads_acp_cme_and_abim_moc_with_its_type() -> None:
    mksap, meeting, qi = parse("acp.csv")
    assert awarded(mksap, "ama_pra_1", "16")
    assert mksap.moc == (ExtractedMoc("ABIM", Decimal(16), "moc_abim_mk"),)
    assert qi.moc == (ExtractedMoc("ABIM", Decimal(5), "moc_abim_pa"),)
    assert mksap.provider == "American College of Physicians"
    assert mksap.format is ActivityFormat.ENDURING
    assert meeting.format is None
    assert mksap.learner_name == "Li Wei"


def test_it_is_less_sure_of_acp_as_provider_without_evidence() -> None:
    (mksap,) = parse("acp.xlsx")
    assert mksap.field_confidence["provider"] >= 0.85
    data = f.xlsx_bytes([d.ACP_HEADER, ("Clinical Skills Workshop", "2024-02-02", 3, 3, "")])
    (workshop,) = parse_transcript("acp2.xlsx", data)
    assert workshop.field_confidence["provider"] < 0.85


def test_it_keeps_acs_self_assessment_as_abs_moc() -> None:
    congress, _tumor_board, sesap = parse("acs.csv")
    assert awarded(congress, "ama_pra_1", "24") and congress.moc == ()
    assert sesap.moc == (ExtractedMoc("ABS", Decimal("10.00"), "moc_abs_sa"),)
    assert congress.learner_name == "Maria Lopez"
    assert congress.provider is None and congress.needs_review  # MyCME has no provider column


def test_it_reads_a_date_range_inside_an_acs_program_name() -> None:
    tumor_board = parse("acs.csv")[1]
    assert tumor_board.completion_date == date(2024, 6, 30)
    assert (tumor_board.start_date, tumor_board.end_date) == (date(2024, 1, 1), date(2024, 6, 30))
    assert tumor_board.date_precision is DatePrecision.RANGE


def test_it_records_acoem_abpm_points_without_a_taxonomy_type_and_asks() -> None:
    aohc, fitness = parse("acoem.csv")
    assert awarded(aohc, "ama_pra_1", "20")
    assert aohc.moc == (ExtractedMoc("ABPM", Decimal("20.00"), None),)
    assert any("ABPM" in r for r in aohc.review_reasons) and aohc.needs_review
    assert fitness.moc == () and not fitness.review_reasons
    assert aohc.provider == "American College of Occupational and Environmental Medicine"


def test_it_reads_nccpa_categories_as_aapa_credit() -> None:
    conference, journal = parse("nccpa.tsv")
    assert awarded(conference, "aapa_1", "25") and awarded(journal, "aapa_2", "3")
    assert conference.provider == "American Academy of PAs"
    assert conference.accreditors == ("AAPA",)
    assert conference.learner_name == "Sam Lee"


def test_it_dates_an_nccpa_entry_by_its_end_date_or_else_its_start_date() -> None:
    conference, journal = parse("nccpa.tsv")
    assert conference.completion_date == date(2024, 5, 24)
    assert (conference.start_date, conference.end_date) == (date(2024, 5, 20), date(2024, 5, 24))
    assert journal.completion_date == date(2024, 7, 1) and journal.end_date is None
    (review,) = parse("nccpa.xlsx")
    assert review.accreditors == ("ACCME",) and review.provider == "HMP Education"


def test_it_reads_an_institutional_transcript_with_amount_and_type_in_one_cell() -> None:
    symposium, rounds, nursing = parse("cloudcme.csv")
    assert awarded(symposium, "ama_pra_1", "12") and awarded(nursing, "ancc_contact_hours", "1.5")
    assert symposium.date_precision is DatePrecision.RANGE
    assert (symposium.start_date, symposium.completion_date) == (date(2023, 1, 5), date(2023, 1, 7))
    assert rounds.learner_name == "Jane Doe"
    assert symposium.provider is None and symposium.needs_review


def test_it_reads_generic_topics_and_is_less_sure_of_hours_than_credits() -> None:
    opioids, bias = parse("generic.xlsx")
    assert [t.topic for t in opioids.topics] == ["opioid_prescribing", "pain_management"]
    assert "Topic" in opioids.topics[0].evidence
    assert awarded(opioids, "ama_pra_1", "2")
    assert opioids.field_confidence["credits"] < 1.0
    assert bias.field_confidence["title"] == 1.0
