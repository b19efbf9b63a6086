"""The packaged rule files: valid, cited, complete, and honest about what is uncertain."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from cmeledger.domain.credit_taxonomy import credit_type_codes
from cmeledger.errors import NotFoundError
from cmeledger.requirements import (
    Rule,
    RuleDataError,
    all_rules,
    load_rules,
    rule_for,
    version_in_force,
)
from cmeledger.requirements.loader import parse_rule
from cmeledger.requirements.model import Frequency

STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split()
# States where the research lists separate MD and DO boards.
SEPARATE_DO = "AZ CA FL ME MI NV OK PA TN VT WA WV".split()
SPECIALTY = "ABIM ABFM ABP ABA ABS ABR ABPN ABEM ABOG AOA-OCC NCCPA".split()
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def rules() -> tuple[Rule, ...]:
    return all_rules()


def test_every_packaged_file_loads_and_validates(rules: tuple[Rule, ...]) -> None:
    files = [
        e.name
        for e in resources.files("cmeledger.requirements").joinpath("boards").iterdir()
        if e.name.endswith(".yaml")
    ]
    assert len(files) == len(rules) >= 63 + len(SPECIALTY) + 1


def test_every_board_has_a_source_and_a_checked_date(rules: tuple[Rule, ...]) -> None:
    for rule in rules:
        assert rule.sources, rule.id
        assert all(s.url.startswith(("http://", "https://")) for s in rule.sources), rule.id
        assert rule.source_checked <= date(2026, 12, 31), rule.id
        assert rule.verification in {"research_note", "primary_source"}


def test_all_states_and_dc_have_an_md_or_combined_board(rules: tuple[Rule, ...]) -> None:
    by_state: dict[str, set[str | None]] = {}
    for rule in rules:
        if rule.kind == "state_license":
            assert rule.jurisdiction is not None
            by_state.setdefault(rule.jurisdiction, set()).add(rule.board_type)
    assert set(by_state) == set(STATES)
    for state, types in by_state.items():
        assert types & {"MD", "combined"}, state
    for state in SEPARATE_DO:
        assert by_state[state] == {"MD", "DO"}, state
        assert rule_for(f"{state}-DO").board_type == "DO"


@pytest.mark.parametrize("board_id", [*SPECIALTY, "DEA-MATE"])
def test_specialty_boards_and_dea_are_present(board_id: str) -> None:
    rule = rule_for(board_id)
    assert rule.kind == ("dea" if board_id == "DEA-MATE" else "board")
    if rule.confidence == "low":
        assert rule.uncertain


def test_dea_mate_is_one_time_eight_hours() -> None:
    version = version_in_force(rule_for("DEA-MATE"), date(2026, 1, 1))
    assert version is not None
    (topic,) = version.topics
    assert topic.topic == "dea_mate"
    assert topic.hours == 8
    assert topic.frequency == Frequency.ONE_TIME
    assert version_in_force(rule_for("DEA-MATE"), date(2023, 6, 26)) is None


def test_credit_types_are_taxonomy_ids_and_topics_are_snake_case(
    rules: tuple[Rule, ...],
) -> None:
    known = set(credit_type_codes())
    for rule in rules:
        for version in rule.versions:
            assert set(version.accepted_credit_types) <= known, rule.id
            for category in version.categories:
                assert set(category.credit_types) <= known, rule.id
            for topic in version.topics:
                assert SNAKE.match(topic.topic), (rule.id, topic.topic)
                assert (topic.every_n is not None) == (topic.frequency == "every_n_cycles")


def test_unknown_numbers_are_null_and_explained(rules: tuple[Rule, ...]) -> None:
    for rule in rules:
        for version in rule.versions:
            for topic in version.topics:
                if topic.hours is None or topic.frequency == "unknown":
                    assert rule.uncertain, (rule.id, topic.topic)
        if rule.conflicts:
            assert rule.uncertain, rule.id


def test_version_in_force_picks_the_right_version() -> None:
    ms = rule_for("MS")
    before = version_in_force(ms, date(2026, 2, 26))
    after = version_in_force(ms, date(2026, 2, 27))
    assert before is not None and after is not None
    assert [t.topic for t in before.topics] == ["opioid_prescribing"]
    assert [t.topic for t in after.topics] == ["dea_mate"]
    abfm = rule_for("ABFM")
    legacy = version_in_force(abfm, date(2024, 12, 31))
    current = version_in_force(abfm, date(2025, 1, 1))
    assert legacy is not None and legacy.total_hours == 150
    assert current is not None and current.total_hours == 200
    open_ended = version_in_force(rule_for("CA-MD"), date(1990, 1, 1))
    assert open_ended is not None and open_ended.total_hours == 50


def test_rule_for_is_case_insensitive_and_reports_unknown_ids() -> None:
    assert rule_for("ca-md").id == "CA-MD"
    with pytest.raises(NotFoundError, match="no rule for board 'ZZ'"):
        rule_for("ZZ")


def test_uncertain_boards_report(
    rules: tuple[Rule, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    uncertain = [r for r in rules if r.uncertain]
    with capsys.disabled():
        print(f"\n{len(uncertain)} of {len(rules)} boards have facts still marked uncertain:")
        for rule in uncertain:
            print(
                f"  {rule.id:9} {rule.confidence:6} {len(rule.uncertain):2} "
                f"e.g. {rule.uncertain[0]}"
            )
    assert uncertain
    assert all(reason.strip() for rule in uncertain for reason in rule.uncertain)
    low = {r.id for r in rules if r.confidence == "low"}
    assert {"VA", "ND", "NV-DO"} <= low
    assert low <= {r.id for r in uncertain}


_GOOD = Path(str(resources.files("cmeledger.requirements").joinpath("boards", "state-ca-md.yaml")))


def test_invalid_file_error_names_file_and_json_path() -> None:
    text = _GOOD.read_text().replace("months: 24", "months: twenty-four", 1)
    with pytest.raises(RuleDataError, match=r"bad\.yaml: \$\.versions\[0\]\.cycle\.months"):
        parse_rule(text, "bad.yaml")


def test_unknown_credit_type_is_rejected() -> None:
    text = _GOOD.read_text().replace("- aafp_prescribed", "- aafp_made_up", 1)
    with pytest.raises(RuleDataError, match=r"unknown credit type 'aafp_made_up'"):
        parse_rule(text, "bad.yaml")


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_GOOD.read_text())
    (tmp_path / "b.yaml").write_text(_GOOD.read_text())
    with pytest.raises(RuleDataError, match=r"also defined in a\.yaml"):
        load_rules(tmp_path)
