"""`rules list` and `rules show` through Typer's test runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cmeledger.cli.rules import rules_app

runner = CliRunner()


def test_rules_list_json() -> None:
    result = runner.invoke(rules_app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rules"]
    ca = next(r for r in rows if r["id"] == "CA-MD")
    assert ca["kind"] == "state_license"
    assert (ca["jurisdiction"], ca["board_type"], ca["total_hours"]) == ("CA", "MD", 50)
    assert ca["cycle_months"] == 24
    assert ca["confidence"] == "high"
    assert ca["uncertain_count"] >= 1


def test_rules_list_uncertain_filters() -> None:
    every = json.loads(runner.invoke(rules_app, ["list", "--json"]).output)["rules"]
    some = json.loads(runner.invoke(rules_app, ["list", "--json", "--uncertain"]).output)["rules"]
    assert 0 < len(some) <= len(every)
    assert all(r["uncertain_count"] > 0 for r in some)


def test_rules_show_json() -> None:
    result = runner.invoke(rules_app, ["show", "CA-MD", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["id"] == "CA-MD"
    assert data["source_checked"] == "2026-11-25"
    assert data["sources"][0]["url"].startswith("https://")
    assert data["uncertain"]
    version = data["versions"][0]
    assert version["total_hours"] == 50
    assert version["cycle"]["anchor"]["type"] == "birth_month"
    assert any(t["topic"] == "end_of_life_care" for t in version["topics"])


def test_rules_show_text_and_unknown_board() -> None:
    result = runner.invoke(rules_app, ["show", "abim"])
    assert result.exit_code == 0, result.output
    assert "American Board of Internal Medicine" in result.output
    assert "uncertain:" in result.output
    missing = runner.invoke(rules_app, ["show", "ZZ"])
    assert missing.exit_code != 0


def test_rules_list_text() -> None:
    result = runner.invoke(rules_app, ["list"])
    assert result.exit_code == 0, result.output
    assert "CA-MD" in result.output
