"""Codes in words: the same wording on every page and in every report."""

from __future__ import annotations

from cmeledger.reports.labels import category_label, credit_label, readable_reason, topic_label


def test_it_writes_initialisms_in_capitals_and_starts_with_a_capital() -> None:
    assert topic_label("dea_mate") == "DEA MATE"
    assert topic_label("opioid_prescribing") == "Opioid prescribing"
    assert topic_label("hiv_aids_prevention") == "HIV AIDS prevention"


def test_it_names_each_credit_type_of_a_category_and_keeps_unknown_codes_as_written() -> None:
    assert credit_label("retired_code_x") == "retired_code_x"
    assert category_label("ama_pra_1|retired_code_x").endswith(" or retired_code_x")
    assert "AMA PRA" in credit_label("ama_pra_1")


def test_it_puts_the_extractors_confidence_reasons_in_words_and_leaves_others_alone() -> None:
    assert (
        readable_reason("low confidence in completion_date (0.25)")
        == "the completion date was read with low confidence (25%)"
    )
    assert readable_reason("no date found") == "no date found"
