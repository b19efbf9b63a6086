from __future__ import annotations

from tests.cli.conftest import Cli


def test_status_reports_each_licence_in_the_contract_shape(cli: Cli) -> None:
    pid = cli(
        "physician", "add", "--first", "Ada", "--last", "Demo", "--degree", "MD", "--birth", "04-17"
    ).out.strip()
    assert (
        cli(
            "license",
            "add",
            pid,
            "--jurisdiction",
            "CA",
            "--board-type",
            "MD",
            "--number",
            "A1",
            "--expires",
            "2027-04-30",
        ).code
        == 0
    )
    assert (
        cli(
            "license",
            "add",
            pid,
            "--jurisdiction",
            "CA",
            "--board-type",
            "PA",
            "--number",
            "PA1",
            "--expires",
            "2027-04-30",
        ).code
        == 0
    )
    assert (
        cli(
            "credit",
            "add",
            pid,
            "--title",
            "Update",
            "--provider",
            "P",
            "--date",
            "2026-01-10",
            "--type",
            "ama_pra_1",
            "--amount",
            "20",
        ).code
        == 0
    )
    before = cli("audit", "verify", "--json").json()["checked"]
    report = cli("status", pid, "--as-of", "2026-11-25", "--json").json()
    assert report["as_of"] == "2026-11-25" and report["physician_id"] == pid
    [obligation] = report["obligations"]
    for key in (
        "id",
        "kind",
        "jurisdiction",
        "board",
        "board_type",
        "cycle_start",
        "cycle_end",
        "due_date",
        "status",
        "required_hours",
        "counted_hours",
        "remaining_hours",
        "categories",
        "topics",
        "explanation",
        "source",
    ):
        assert key in obligation
    assert obligation["jurisdiction"] == "CA" and obligation["counted_hours"] == "20.00"
    assert obligation["due_date"] == "2027-04-30"
    assert any("PA licence" in line for line in report["not_evaluated"])
    # only the birth month was decrypted (and audited); licence numbers stayed sealed
    after = cli("audit", "verify", "--json").json()["checked"]
    assert after == before + 1
    late = cli("status", pid, "--as-of", "2027-06-01", "--json").json()["obligations"][0]
    assert late["status"] == "overdue" and late["remaining_hours"] == "30.00"


def test_status_includes_board_certifications_and_asks_for_missing_end_dates(cli: Cli) -> None:
    pid = cli("physician", "add", "--first", "Ada", "--last", "Demo", "--degree", "MD").out.strip()
    assert (
        cli(
            "certification",
            "add",
            pid,
            "--board",
            "ABIM",
            "--specialty",
            "IM",
            "--starts",
            "2022-01-01",
            "--ends",
            "2026-12-31",
        ).code
        == 0
    )
    assert cli("certification", "add", pid, "--board", "ABP", "--specialty", "Peds").code == 0
    assert (
        cli(
            "credit",
            "add",
            pid,
            "--title",
            "Update",
            "--provider",
            "P",
            "--date",
            "2025-01-10",
            "--type",
            "ama_pra_1",
            "--amount",
            "10",
            "--type",
            "moc_abim_mk",
            "--amount",
            "10",
        ).code
        == 0
    )
    report = cli("status", pid, "--as-of", "2026-11-25", "--json").json()
    [board] = [o for o in report["obligations"] if o["kind"] == "board"]
    assert board["board"] == "ABIM" and board["counted_hours"] == "10.00"
    assert board["required_hours"] == "100" and board["status"] == "at_risk"
    assert any("ABP certification: add its end date" in n for n in report["not_evaluated"])
    ics = cli("calendar", pid, "--as-of", "2026-11-25").out
    assert "SUMMARY:CME due: ABIM certification (90.00 h to go)" in ics
