from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli
from tests.importers.certificates.builders import LINES, certificate_pdf


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    good = tmp_path / "good.pdf"
    good.write_bytes(certificate_pdf())
    hours = tmp_path / "hours.pdf"
    hours.write_bytes(
        certificate_pdf(lines=tuple(line.replace("and is awarded 1.75", "for") for line in LINES))
    )
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4 broken")
    return good, hours, junk


def test_extract_prints_the_contract_fields_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    good, _, junk = _files(tmp_path)
    before = cli("audit", "verify", "--json").json()["checked"]
    result = cli("extract", str(good), str(junk), "--json")
    assert result.code == 9
    [record] = result.json()
    for key in (
        "source_file",
        "page",
        "learner_name",
        "provider",
        "accredited_provider",
        "title",
        "format",
        "completion_date",
        "start_date",
        "end_date",
        "credits",
        "moc",
        "topics",
        "confidence",
        "needs_review",
    ):
        assert key in record
    assert record["credits"][0] == {"type": "ama_pra_1", "amount": "1.75", "role": "awarded"}
    assert "junk.pdf: not a readable PDF" in result.err
    assert cli("audit", "verify", "--json").json()["checked"] == before


def test_import_reports_per_file_and_review_accepts_corrections(cli: Cli, tmp_path: Path) -> None:
    pid = cli("physician", "add", "--first", "Ada", "--last", "Demo", "--degree", "MD").out.strip()
    good, hours, junk = _files(tmp_path)
    result = cli("import", pid, str(good), str(hours), str(junk), "--json")
    assert result.code == 9
    by_file = {Path(r["file"]).name: r for r in result.json()}
    assert by_file["good.pdf"]["imported"] == 1
    assert by_file["hours.pdf"]["needs_review"] == 1
    assert by_file["junk.pdf"]["status"] == "failed"
    assert "not a readable PDF" in by_file["junk.pdf"]["error"]

    [item] = cli("review", pid, "--json").json()
    assert any("no awarded credit" in r for r in item["reasons"])
    refused = cli("review", pid, "--accept", item["id"])
    assert refused.code == 2 and "--set" in refused.err
    accepted = cli("review", pid, "--accept", item["id"], "--set", "credit=ama_pra_1:1.5", "--json")
    assert accepted.code == 0, accepted.err
    totals = cli("credits", pid, "--json").json()["totals"]
    assert totals == {"ama_pra_1": "3.25"}
    assert cli("review", pid, "--json").json() == []
    assert cli("audit", "verify", "--json").json()["ok"] is True


def test_a_bad_map_option_is_explained(cli: Cli, tmp_path: Path) -> None:
    good, _, _ = _files(tmp_path)
    result = cli("extract", str(good), "--map", "nonsense")
    assert result.code == 2 and "column=field" in result.err
