from __future__ import annotations

import pytest

from cmeledger.domain.activities import ActivityFormat
from cmeledger.importers.credit_types import (
    board_name,
    credit_type_from_text,
    format_from_text,
    moc_from_text,
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("AMA PRA Category 1 Credit(s)™", "ama_pra_1"),
        ("AMA PRA Category 1 Credit(s)TM", "ama_pra_1"),
        ("AMA PRA Category 1 Credits&trade;", "ama_pra_1"),
        ("Category 1", "ama_pra_1"),
        ("AMA Cat 1", "ama_pra_1"),
        ("AMA PRA Cat. I", "ama_pra_1"),
        ("AMA PRA 1", "ama_pra_1"),
        ("AMA PRA Category 2", "ama_pra_2"),
        ("Category II", "ama_pra_2"),
        ("Prescribed", "aafp_prescribed"),
        ("AAFP Elective", "aafp_elective"),
        ("AOA 1-A", "aoa_1a"),
        ("AOA Category 2-B", "aoa_2b"),
        ("Category 1-A", "aoa_1a"),
        ("AAPA Category 1 CME", "aapa_1"),
        ("AAPA Cat 2", "aapa_2"),
        ("Contact hours", "ancc_contact_hours"),
        ("Nursing", "ancc_contact_hours"),
        ("ANCC contact hours", "ancc_contact_hours"),
        ("ACPE contact hours", "acpe_contact_hours"),
        ("Pharmacy", "acpe_contact_hours"),
        ("IPCE", "ipce"),
        ("Dietetic CPEU", "cdr_cpeu"),
        ("ama_pra_2", "ama_pra_2"),
    ],
)
def test_it_maps_credit_type_wording_onto_the_taxonomy(text: str, code: str) -> None:
    found = credit_type_from_text(text)
    assert found is not None and found.code == code


@pytest.mark.parametrize(("text", "code"), [("Category 1", "aapa_1"), ("Category 2", "aapa_2")])
def test_it_reads_bare_categories_in_the_sources_own_system(text: str, code: str) -> None:
    found = credit_type_from_text(text, system="AAPA")
    assert found is not None and found.code == code


def test_it_is_unsure_what_a_bare_cme_means() -> None:
    found = credit_type_from_text("CME Credit")
    assert found is not None and found.code == "ama_pra_1" and found.confidence < 0.85


@pytest.mark.parametrize("text", ["Psychology CE", "", "Category 3", "AOA Category 1", "Credits"])
def test_it_does_not_guess_unknown_credit_types(text: str) -> None:
    assert credit_type_from_text(text) is None


@pytest.mark.parametrize(
    ("text", "board", "code"),
    [
        ("ABIM MOC Points", "ABIM", "moc_abim_mk"),
        ("ABIM Practice Assessment", "ABIM", "moc_abim_pa"),
        ("ABP MOC Part 4", "ABP", "moc_abp_qi"),
        ("ABS Self-Assessment", "ABS", "moc_abs_sa"),
        ("ABPath SAM", "ABPath", "moc_abpath_sam"),
        ("ABPM MOC", "ABPM", None),
        ("LLSA credits", "ABPM", None),
        ("MOC points", None, None),
    ],
)
def test_it_reads_moc_wording(text: str, board: str | None, code: str | None) -> None:
    found = moc_from_text(text)
    assert found is not None and (found.board, found.credit_type) == (board, code)


def test_it_knows_boards_by_their_full_names() -> None:
    assert board_name("American Board of Pathology") == "ABPath"
    assert board_name("American Board of Internal Medicine") == "ABIM"
    assert board_name("Board of Trustees") is None


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("Journal-based CME activity", ActivityFormat.JOURNAL),
        ("Enduring material", ActivityFormat.ENDURING),
        ("Internet point-of-care", ActivityFormat.POINT_OF_CARE),
        ("Live", ActivityFormat.LIVE),
        ("Regularly scheduled series", ActivityFormat.LIVE),
        ("Test-item writing", ActivityFormat.OTHER),
    ],
)
def test_it_reads_learning_formats(text: str, fmt: ActivityFormat) -> None:
    assert format_from_text(text) is fmt
