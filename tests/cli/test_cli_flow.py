from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pytest

from tests.cli.conftest import Cli


def _physician(cli: Cli, *extra: str) -> str:
    result = cli(
        "physician",
        "add",
        "--first",
        "Ada",
        "--last",
        "Lovelace",
        "--degree",
        "md",
        "--birth",
        "12-10",
        *extra,
    )
    assert result.code == 0, result.err
    return result.out.strip()


def test_a_physicians_ledger_can_be_built_and_read_back(cli: Cli, tmp_path: Path) -> None:
    pid = _physician(cli, "--npi", "1234567893", "--email", "ada@example.org")
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
            "A 555",
            "--issued",
            "2020-01-01",
            "--expires",
            "2027-12-31",
        ).code
        == 0
    )
    assert (
        cli(
            "certification",
            "add",
            pid,
            "--board",
            "ABIM",
            "--specialty",
            "Internal Medicine",
            "--board-id",
            "271828",
            "--ends",
            "2029-12-31",
        ).code
        == 0
    )
    cert = tmp_path / "cert.pdf"
    cert.write_bytes(b"%PDF-1.7 certificate")
    added = cli(
        "credit",
        "add",
        pid,
        "--title",
        '=HYPERLINK("x")',
        "--provider",
        "ACP",
        "--date",
        "2026-05-01",
        "--type",
        "ama_pra_1",
        "--amount",
        "2.5",
        "--type",
        "moc_abim_mk",
        "--amount",
        "2.5",
        "--topic",
        "Opioid-Prescribing",
        "--certificate",
        str(cert),
        "--json",
    )
    assert added.code == 0, added.err

    ledger = cli("credits", pid, "--json").json()
    assert ledger["totals"] == {"ama_pra_1": "2.50", "moc_abim_mk": "2.50"}
    entry = ledger["completions"][0]
    assert entry["topics"] == ["opioid_prescribing"]
    assert entry["provenance"][0]["source_kind"] == "certificate"
    assert len(entry["provenance"][0]["document_sha256"]) == 64

    shown = cli("physician", "show", pid, "--json").json()
    assert shown["birth"] == "12-10"
    assert shown["licenses"][0]["number"] == "A 555"
    assert shown["certifications"][0]["board_id"] == "271828"

    exported = cli("export", pid, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(exported.out)))
    assert [r["credit_type"] for r in rows] == ["ama_pra_1", "moc_abim_mk"]
    assert rows[0]["title"].startswith("'=")  # spreadsheet formula neutralised
    as_json = cli("export", pid, "--format", "json").json()
    assert as_json["completions"][0]["credits"][0]["amount"] == "2.50"

    listed = cli("physician", "list", "--json").json()
    assert [p["id"] for p in listed] == [pid]
    found = cli(
        "physician", "find", "--jurisdiction", "ca", "--license-number", "a555", "--json"
    ).json()
    assert found["physician_id"] == pid

    verified = cli("audit", "verify", "--json").json()
    assert verified["ok"] is True and verified["checked"] >= 8
    rotated = cli("keys", "rotate", "--json").json()
    assert rotated["resealed"] == 3
    assert cli("physician", "show", pid, "--json").json()["licenses"][0]["number"] == "A 555"
    assert cli("audit", "verify", "--json").json()["ok"] is True


def test_the_demo_loads_once_and_prints_the_ledger(cli: Cli) -> None:
    first = cli("demo")
    assert first.code == 0 and "Loaded demo physician" in first.out
    assert "AMA PRA Category 1 Credit" in first.out
    again = cli("demo", "--json").json()
    assert again["created"] is False
    assert again["totals"]["ama_pra_1"] == "25.75"
    assert len(cli("physician", "list", "--json").json()) == 1


def test_the_key_file_is_announced_once_and_is_owner_only(cli: Cli, cli_home: Path) -> None:
    # the fixture's `init` created it; later commands stay quiet about it
    assert (cli_home / "keys.json").stat().st_mode & 0o777 == 0o600
    assert "key file" not in cli("physician", "list").err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            (
                "license",
                "add",
                "{pid}",
                "--jurisdiction",
                "ZZ",
                "--board-type",
                "MD",
                "--number",
                "1",
                "--expires",
                "2027-01-01",
            ),
            2,
            "not a US state",
        ),
        (
            (
                "license",
                "add",
                "{pid}",
                "--jurisdiction",
                "CA",
                "--board-type",
                "MD",
                "--number",
                "1",
                "--expires",
                "2027-02-30",
            ),
            2,
            "write it as YYYY-MM-DD",
        ),
        (
            (
                "credit",
                "add",
                "{pid}",
                "--title",
                "t",
                "--provider",
                "p",
                "--date",
                "2026-01-01",
                "--type",
                "ama_pra_1",
                "--amount",
                "lots",
            ),
            2,
            "not a number",
        ),
        (
            (
                "credit",
                "add",
                "{pid}",
                "--title",
                "t",
                "--provider",
                "p",
                "--date",
                "2026-01-01",
                "--type",
                "ama_pra_1",
                "--amount",
                "1",
                "--type",
                "moc_abim_mk",
            ),
            2,
            "one --amount",
        ),
        (("credits", "00000000-0000-0000-0000-000000000000"), 3, "no physician"),
        (("credits", "not-an-id"), 2, "not a physician id"),
        (("physician", "add", "--first", "A", "--last", "B", "--degree", "XX"), 2, "MD, DO"),
        (
            (
                "physician",
                "add",
                "--first",
                "A",
                "--last",
                "B",
                "--degree",
                "MD",
                "--npi",
                "1234567890",
            ),
            2,
            "check digit",
        ),
        (
            (
                "credit",
                "add",
                "{pid}",
                "--title",
                "t",
                "--provider",
                "p",
                "--date",
                "2026-01-01",
                "--type",
                "ama_pra_1",
                "--amount",
                "1",
                "--certificate",
                "/nonexistent/c.pdf",
            ),
            1,
            "cannot read",
        ),
    ],
)
def test_bad_input_gets_one_clear_line_and_writes_nothing(
    cli: Cli, args: tuple[str, ...], code: int, message: str
) -> None:
    pid = _physician(cli)
    before = cli("audit", "verify", "--json").json()["checked"]
    result = cli(*(a.format(pid=pid) for a in args))
    assert result.code == code, result.err
    assert message in result.err
    assert result.err.strip().startswith("error:")
    assert len(result.err.strip().splitlines()) == 1 or len(result.err) < 400
    assert cli("audit", "verify", "--json").json()["checked"] == before
    assert cli("credits", pid, "--json").json()["completions"] == []


def test_a_duplicate_licence_exits_4_without_echoing_the_number(cli: Cli) -> None:
    first, second = _physician(cli), _physician(cli)
    common = ("--jurisdiction", "NY", "--board-type", "DO", "--expires", "2027-01-01")
    assert cli("license", "add", first, "--number", "SECRET-9", *common).code == 0
    result = cli("license", "add", second, "--number", "secret 9", *common)
    assert result.code == 4 and "already on record" in result.err
    assert "SECRET" not in result.err.upper().replace("ERROR", "")


def test_a_tampered_audit_log_fails_verification_with_the_row(cli: Cli, cli_home: Path) -> None:
    import os

    if os.environ.get("CMELEDGER_DATABASE_URL"):
        pytest.skip(
            "tampering through the SQLite file; the PostgreSQL case is covered in tests/integration"
        )
    _physician(cli)
    import sqlite3

    con = sqlite3.connect(cli_home / "ledger.db")
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
    con.commit()
    con.close()
    result = cli("audit", "verify")
    assert result.code == 7 and "BROKEN at row 2" in result.out


def test_sealed_values_never_reach_the_database_file_or_logs(
    cli: Cli, cli_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    try:
        pid = _physician(cli)
        assert (
            cli(
                "license",
                "add",
                pid,
                "--jurisdiction",
                "WA",
                "--board-type",
                "MD",
                "--number",
                "MDXQ70411",
                "--expires",
                "2027-01-01",
            ).code
            == 0
        )
        assert cli("dea", "add", pid, "--number", "BX7654329", "--expires", "2027-01-01").code == 0
        assert (
            cli(
                "certification",
                "add",
                pid,
                "--board",
                "ABFM",
                "--specialty",
                "Family Medicine",
                "--board-id",
                "FMX55501",
            ).code
            == 0
        )
        assert cli("physician", "show", pid).code == 0
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    secrets = ("MDXQ70411", "BX7654329", "FMX55501")
    for secret in secrets:
        assert secret not in caplog.text
    if not (cli_home / "ledger.db").exists():
        return  # PostgreSQL run: covered by the repository-level test
    raw = b"".join(p.read_bytes() for p in cli_home.glob("ledger.db*"))
    for secret in secrets:
        assert secret.encode() not in raw
    assert b"12-10" not in raw


def test_names_are_printed_as_written_never_as_markup(cli: Cli) -> None:
    pid = cli(
        "physician", "add", "--first", "[/b]", "--last", "[red]O'Neil[/red]", "--degree", "MD"
    ).out.strip()
    shown = cli("physician", "show", pid)
    assert shown.code == 0, shown.err
    assert "[/b] [red]O'Neil[/red]" in shown.out
    assert cli("physician", "show", "[/oops]").err.startswith("error:")


def test_an_export_to_a_bad_path_fails_cleanly_and_records_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    pid = _physician(cli)
    before = cli("audit", "verify", "--json").json()["checked"]
    result = cli("export", pid, "-o", str(tmp_path / "no" / "such" / "dir" / "x.csv"))
    assert result.code != 0 and result.err.startswith("error:")
    assert "Traceback" not in result.err
    assert cli("audit", "verify", "--json").json()["checked"] == before


def test_an_unusable_home_gets_one_clear_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cmeledger.settings import get_settings

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CMELEDGER_HOME", str(blocker / "home"))
    monkeypatch.delenv("CMELEDGER_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    result = cli("physician", "list")
    assert result.code != 0 and result.err.startswith("error:")
    assert "CMELEDGER_HOME" in result.err


def test_a_person_can_override_a_credits_topics_and_it_is_audited(cli: Cli) -> None:
    pid = _physician(cli)
    credit = cli(
        "credit",
        "add",
        pid,
        "--title",
        "Pain Care",
        "--provider",
        "P",
        "--date",
        "2026-01-10",
        "--type",
        "ama_pra_1",
        "--amount",
        "2",
        "--topic",
        "ethics",
        "--json",
    ).json()["id"]
    tagged = cli(
        "credit", "tag", pid, credit, "--add", "Opioid-Prescribing", "--remove", "ethics", "--json"
    )
    assert tagged.json()["topics"] == ["opioid_prescribing"]
    assert cli("credits", pid, "--json").json()["completions"][0]["topics"] == [
        "opioid_prescribing"
    ]
    assert cli("credit", "tag", pid, credit, "--add", "<bad>").code == 2
    assert (
        cli("credit", "tag", pid, "00000000-0000-0000-0000-000000000000", "--add", "ethics").code
        == 3
    )
    assert cli("audit", "verify", "--json").json()["ok"] is True
