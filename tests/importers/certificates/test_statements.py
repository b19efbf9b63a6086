"""The certificate parser on the wordings real certificates use (skeletons, not copies)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmeledger.domain.activities import ActivityFormat
from cmeledger.domain.credits import CreditRole
from cmeledger.domain.extraction import DatePrecision, Extracted
from cmeledger.importers.certificate import parse_certificate
from cmeledger.importers.certificate_text import normalise, repair_one_glyph_lines, split_units
from cmeledger.importers.names import clean_name
from cmeledger.importers.values import find_dates


def read(text: str) -> Extracted:
    return parse_certificate(normalise(text), source_file="t.pdf", page=1, method="text")


def credits(record: Extracted) -> set[tuple[str, str, str]]:
    return {(c.type, str(c.amount), c.role.value) for c in record.credits}


def test_it_reads_the_classic_award_line_and_keeps_designated_apart() -> None:
    r = read(
        "Harbor CME Institute certifies that\nDr. Ada B. Lovelace, MD, FACP\nhas "
        'participated in the live activity titled\n"Sepsis: Early Recognition"\non '
        "Wednesday, March 5, 2025 and is awarded 3.25 AMA PRA Category 1 Credits™.\n"
        "Harbor CME Institute designates this live activity for a maximum of 4.00 AMA "
        "PRA Category 1 Credits™."
    )
    assert r.learner_name == "Ada B. Lovelace"
    assert r.provider == "Harbor CME Institute"
    assert r.title == "Sepsis: Early Recognition"
    assert r.completion_date == date(2025, 3, 5)
    assert r.format is ActivityFormat.LIVE
    assert credits(r) == {("ama_pra_1", "3.25", "awarded"), ("ama_pra_1", "4.00", "designated")}
    assert not r.needs_review


def test_hours_of_participation_are_not_counted_as_credit() -> None:
    r = read(
        "Stanford-like School of Medicine certifies that Grace Hopper has participated "
        "for 2.5 hours in the Enduring Material titled Lipid Care on 04/02/2025. This "
        "Activity was designated for 3 AMA PRA Category 1 Credits."
    )
    assert credits(r) == {("ama_pra_1", "2.5", "hours"), ("ama_pra_1", "3", "designated")}
    assert r.needs_review
    assert any("no awarded credit" in reason for reason in r.all_review_reasons())


def test_a_label_value_layout_is_read_by_its_labels() -> None:
    r = read(
        "This certifies that\nGrace Hopper, DO\nsuccessfully completed | Journal-based CME "
        "activity\nBeta Blockers Revisited\nDate | October 22, 2023\nCredit type | AMA PRA "
        "Category 1 Credit(s)TM\nCredits / Hours of participation | 1*\nAccredited "
        "Provider | American Medical Association"
    )
    assert r.title == "Beta Blockers Revisited"
    assert r.format is ActivityFormat.JOURNAL
    assert r.completion_date == date(2023, 10, 22)
    # "Credits / Hours of participation" states time spent, not an award: count nothing yet.
    assert credits(r) == {("ama_pra_1", "1", "hours")}
    assert r.needs_review
    assert r.accredited_provider == "American Medical Association"


def test_a_date_range_becomes_start_end_and_completion_on_the_last_day() -> None:
    r = read(
        "Statement of Participation\nMeridian Education certifies that Ann Lee has "
        "participated in the enduring material CME activity titled Stroke Update From "
        "01/07/2025 to 07/06/2025 and is awarded 1.25 AMA PRA Category 1 Credit(s)TM."
    )
    assert (r.start_date, r.end_date, r.completion_date) == (
        date(2025, 1, 7),
        date(2025, 7, 6),
        date(2025, 7, 6),
    )
    assert r.date_precision is DatePrecision.RANGE


def test_a_month_only_date_is_flagged_never_guessed_silently() -> None:
    r = read(
        "Delta CME certifies that Ann Lee has participated in the live activity titled "
        "Asthma Today on March 2025 and is awarded 2 AMA PRA Category 1 Credits."
    )
    assert r.date_precision is DatePrecision.MONTH
    assert r.needs_review
    assert any("only a month" in reason for reason in r.all_review_reasons())


def test_approval_and_expiry_dates_are_not_taken_for_the_completion_date() -> None:
    r = read(
        "Approval is valid until 12/31/2026. Term of approval begins 01/01/2025.\nNorth "
        "CME certifies that Ann Lee has participated in the enduring material titled Gout "
        "on 06/15/2025 and is awarded 1 AMA PRA Category 1 Credit."
    )
    assert r.completion_date == date(2025, 6, 15)


def test_moc_points_are_read_per_board_and_component() -> None:
    r = read(
        "Lake CME certifies that Ann Lee has participated in the enduring material titled "
        "Anemia on 05/01/2025 and is awarded 2 AMA PRA Category 1 Credits. Successful "
        "completion of this CME activity enables the participant to earn up to 2 Medical "
        "Knowledge MOC points in the American Board of Internal Medicine's (ABIM) "
        "Maintenance of Certification (MOC) program. It also enables the learner to earn "
        "up to 2 MOC points in the American Board of Pediatrics' (ABP) Maintenance of "
        "Certification (MOC) program."
    )
    boards = {(m.board, str(m.points), m.credit_type) for m in r.moc}
    assert ("ABIM", "2", "moc_abim_mk") in boards
    assert any(b == "ABP" for b, _, _ in boards)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "This activity is awarded 1.5 contact hours of nursing continuing professional "
            "development.",
            ("ancc_contact_hours", "1.5", "awarded"),
        ),
        (
            "Lake CME designates this activity for 1.25 contact hours (0.125 CEUs) (Universal "
            "Activity Number JA0000000-0000-25-001-H01-P).",
            ("acpe_contact_hours", "1.25", "designated"),
        ),
        (
            "This activity has been reviewed and is acceptable for up to 2.25 Prescribed credit(s) "
            "by the American Academy of Family Physicians.",
            ("aafp_prescribed", "2.25", "designated"),
        ),
        (
            "Lake CME designates this program for a maximum of 6 AOA Category 1-A credits.",
            ("aoa_1a", "6", "designated"),
        ),
        (
            "This activity is designated for 3 AAPA Category 1 CME credits.",
            ("aapa_1", "3", "designated"),
        ),
        (
            "Learners will receive 2 Interprofessional Continuing Education (IPCE) credits for "
            "learning and change.",
            ("ipce", "2", "designated"),
        ),
        (
            "Dietitians are awarded 1.5 CPEUs by the Commission on Dietetic Registration.",
            ("cdr_cpeu", "1.5", "awarded"),
        ),
    ],
)
def test_each_credit_system_is_recognised(statement: str, expected: tuple[str, str, str]) -> None:
    r = read(
        "Lake CME certifies that Ann Lee has participated in the activity titled Care on "
        f"05/01/2025. {statement}"
    )
    assert expected in credits(r)


def test_state_riders_become_topics_with_their_sentence_as_evidence() -> None:
    r = read(
        "Lake CME certifies that Ann Lee has participated in the live activity titled "
        "Clinic Essentials on 05/01/2025 and is awarded 2 AMA PRA Category 1 Credits. This "
        "course is approved by the Texas HHSC as a human trafficking prevention course. It "
        "fulfills the Kentucky requirement for pediatric abusive head trauma training."
    )
    topics = {t.topic: t.evidence for t in r.topics}
    assert "Texas HHSC" in topics["human_trafficking"]
    assert "Kentucky" in topics["pediatric_abusive_head_trauma"]


def test_joint_providership_names_the_accredited_and_the_joint_provider() -> None:
    r = read(
        "Lake Society certifies that Ann Lee has participated in the live activity titled "
        "Renal Care on 05/01/2025 and is awarded 1 AMA PRA Category 1 Credit. This activity "
        "has been planned and implemented in accordance with the accreditation requirements "
        "and policies of the ACCME through the joint providership of Summit CME Partners "
        "and Lake Society. Summit CME Partners is accredited by the ACCME to provide "
        "continuing medical education for physicians."
    )
    assert r.accredited_provider == "Summit CME Partners"
    assert r.joint_providers == ("Lake Society",)
    assert "ACCME" in r.accreditors


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ada B. Lovelace, MD License #G12345", "Ada B. Lovelace"),
        ("Dr. Grace Hopper, DO, FACP", "Grace Hopper"),
        ("Ann Lee, PA-C (Lic. No. PA-001)", "Ann Lee"),
        ("José Núñez, MD, MPH", "José Núñez"),
    ],
)
def test_names_lose_degrees_and_licence_numbers(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


def test_one_glyph_per_line_text_layers_are_repaired() -> None:
    broken = "\n".join("Lake CME certifies that Ann Lee has participated")
    assert "certifies that" in repair_one_glyph_lines(broken)


def test_two_certificates_on_one_page_are_split() -> None:
    page = (
        "CERTIFICATE\nLake CME certifies that\nAnn Lee\nhas participated in the activity "
        "titled Asthma Care on 01/02/2025 and is awarded 1 AMA PRA Category 1 Credit.\n\n\n\n\n\n\n"
        "CERTIFICATE\nHill CME certifies that\nAnn Lee\nhas participated in the activity "
        "titled Burn Care on 01/03/2025 and is awarded 2 AMA PRA Category 1 Credits."
    )
    units = split_units(page)
    assert len(units) == 2
    titles = [parse_certificate(u, source_file="x", page=1, method="text").title for u in units]
    assert titles == ["Asthma Care", "Burn Care"]


def test_amounts_and_dates_are_read_in_every_style() -> None:
    styles = [
        "March 14, 2025",
        "Friday, March 14, 2025",
        "03/14/2025",
        "3/14/25",
        "14-Mar-25",
        "14 March, 2025",
        "2025-03-14",
        "Mar. 14, 2025",
    ]
    for style in styles:
        assert [d.value for d in find_dates(f"on {style} and")] == [date(2025, 3, 14)], style
    assert read(
        "Lake CME certifies that Ann Lee has participated in the activity titled X on "
        "01/02/2025 and is awarded 0.75 AMA PRA Category 1 Credit."
    ).awarded[0].amount == Decimal("0.75")


@given(st.text(max_size=2000))
def test_the_parser_never_crashes_on_any_text(text: str) -> None:
    record = parse_certificate(normalise(text), source_file="f", page=1, method="text")
    assert 0.0 <= record.confidence <= 1.0
    for credit in record.credits:
        assert credit.role in CreditRole


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=500))
def test_date_finding_never_crashes(text: str) -> None:
    for found in find_dates(text):
        assert found.start < found.end


def test_a_bare_credits_label_with_designation_wording_is_not_an_award() -> None:
    r = read(
        "Participant: Ann Lee\nActivity title: Lipid Care\nDate: 05/01/2025\nCredits: This "
        "activity is designated for a maximum of 2.0 AMA PRA Category 1 Credits."
    )
    assert ("ama_pra_1", "2.0", "designated") in credits(r)
    assert not r.awarded and r.needs_review


def test_up_to_moc_points_are_a_maximum_not_points_earned() -> None:
    r = read(
        "Lake CME certifies that Ann Lee has participated in the enduring material titled "
        "Anemia on 05/01/2025 and is awarded 1 AMA PRA Category 1 Credit. Successful "
        "completion enables the participant to earn up to 4 Medical Knowledge MOC points in "
        "the American Board of Internal Medicine's (ABIM) Maintenance of Certification "
        "(MOC) program."
    )
    [moc] = r.moc
    assert moc.role is CreditRole.DESIGNATED


@pytest.mark.parametrize(
    "text",
    [
        "certifies that " * 5000,
        "titled " * 5000,
        "1 " * 20000,
        "a" * 100_000,
        "January 1, 2024 - " * 2500,
        "joint providership of " + "x " * 40000,
    ],
)
def test_hostile_text_is_parsed_in_bounded_time(text: str) -> None:
    import time

    began = time.perf_counter()
    read(text)
    assert time.perf_counter() - began < 2.0
