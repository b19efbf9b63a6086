"""GET /api/v1/physicians/{pid}/audit-packet.pdf: the packet over HTTP, for its owner only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from cmeledger.actions.credits import record_completion
from cmeledger.audit import events
from cmeledger.domain.credits import CreditClaim
from cmeledger.storage.ledger import Store
from tests.importers.certificates.builders import certificate_pdf
from tests.reports.pdf_text import flat, generated_pages, pages_text
from tests.web.accounts import OWNER, Tenant, sign_in

CERTIFICATE_LINES = ("CERTIFICATE OF ATTENDANCE", "Ada Tester, MD", "Airway Skills Workshop")


def packet_url(tenant: Tenant, query: str = "as_of=2026-11-26") -> str:
    return f"/api/v1/physicians/{tenant.physician_id}/audit-packet.pdf?{query}"


def with_certificate(store: Store, tenant: Tenant, tmp_path: Path) -> None:
    pdf = tmp_path / "airway.pdf"
    pdf.write_bytes(certificate_pdf(lines=CERTIFICATE_LINES))
    with store.ledger(OWNER) as ledger:
        record_completion(
            ledger,
            tenant.physician_id,
            title="Airway Skills Workshop",
            provider="Test Society",
            completed_on=date(2026, 5, 2),
            credits=[CreditClaim.awarded("ama_pra_1", "4")],
            certificate=pdf,
        )


def test_it_downloads_the_packet_as_a_pdf_attachment(
    client: TestClient, fresh_store: Store, tenant: Tenant, tmp_path: Path
) -> None:
    with_certificate(fresh_store, tenant, tmp_path)
    sign_in(client, tenant.email)

    answer = client.get(packet_url(tenant))

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="cme-audit-packet-tester-2026-11-26.pdf"'
    )
    assert answer.headers["cache-control"] == "no-store"
    assert int(answer.headers["content-length"]) == len(answer.content)
    texts = pages_text(answer.content)
    report = flat("\n".join(texts))
    assert "Ada Tester, MD" in report
    assert "Ada's course on sepsis" in report
    assert "Airway Skills Workshop Test Society 4 AMA PRA Category 1 Credit" in report
    assert "CERTIFICATE OF ATTENDANCE" in texts[-1]
    assert len(texts) == generated_pages(texts) + 1


def test_it_records_the_packet_in_the_audit_log_under_the_signed_in_user(
    client: TestClient, fresh_store: Store, tenant: Tenant
) -> None:
    sign_in(client, tenant.email)

    assert client.get(packet_url(tenant)).status_code == 200

    with fresh_store.ledger(OWNER) as ledger:
        last, _, _ = ledger.audit.head()
        made = [
            link.entry
            for link in ledger.audit.links(last)
            if link.entry.action == events.AUDIT_PACKET_CREATED
        ]
    assert [(e.actor, e.physician_id) for e in made] == [
        (f"user:{tenant.email}", str(tenant.physician_id))
    ]


def test_it_limits_the_packet_to_one_licence_on_request(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, tenant.email)

    answer = client.get(packet_url(tenant, f"as_of=2026-11-26&license={tenant.license_id}"))

    assert answer.status_code == 200
    report = flat("\n".join(pages_text(answer.content)))
    assert "CA MD licence" in report
    assert "ABIM certification" not in report


def test_it_answers_404_for_another_tenants_physician(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    sign_in(client, tenant.email)

    answer = client.get(packet_url(other_tenant))

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert "Bea" not in answer.text


def test_it_answers_404_for_another_tenants_licence(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    sign_in(client, tenant.email)

    answer = client.get(packet_url(tenant, f"license={other_tenant.license_id}"))

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_it_asks_for_a_sign_in_first(client: TestClient, tenant: Tenant) -> None:
    answer = client.get(packet_url(tenant))

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


def test_it_refuses_a_date_that_is_not_one(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, tenant.email)

    answer = client.get(packet_url(tenant, "as_of=26/11/2026"))

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "query.as_of"


def test_it_documents_the_pdf_and_its_problems_in_openapi(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()

    operation = schema["paths"]["/api/v1/physicians/{physician_id}/audit-packet.pdf"]["get"]
    assert list(operation["responses"]["200"]["content"]) == ["application/pdf"]
    for status in ("401", "404", "422"):
        assert list(operation["responses"][status]["content"]) == ["application/problem+json"]
    assert {p["name"] for p in operation["parameters"]} == {"physician_id", "as_of", "license"}


def test_it_refuses_a_status_date_it_cannot_use(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, tenant.email)
    for bad in ("0001-01-03", "9999-12-31"):
        answer = client.get(packet_url(tenant, f"as_of={bad}"))
        assert answer.status_code == 422, bad
        assert answer.headers["content-type"] == "application/problem+json"
