"""Documents over the API: storing uploads, safe downloads, limits, and page images."""

from __future__ import annotations

import io
from urllib.parse import unquote

from fastapi.testclient import TestClient
from PIL import Image

from cmeledger.storage.ledger import Store
from tests.importers.certificates.builders import encoded, page_image
from tests.web.accounts import Tenant, sign_in
from tests.web.api.conftest import a_certificate, is_problem, org_admin_of, physician_url

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _upload(client: TestClient, tenant: Tenant, name: str, data: bytes) -> dict[str, object]:
    answer = client.post(
        physician_url(tenant, "/documents"), files={"file": (name, data, "application/pdf")}
    )
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def _filenames(disposition: str) -> tuple[str, str]:
    """(the plain filename, the decoded filename*) of a Content-Disposition header."""
    plain = disposition.split('filename="', 1)[1].split('"', 1)[0]
    extended = disposition.split("filename*=UTF-8''", 1)[1]
    return plain, unquote(extended)


def test_it_stores_an_upload_and_downloads_it_as_an_attachment(
    client: TestClient, ada: Tenant
) -> None:
    pdf = a_certificate()
    answer = client.post(
        physician_url(ada, "/documents"), files={"file": ("cert.pdf", pdf, "application/pdf")}
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["name"] == "cert.pdf" and made["size"] == len(pdf)
    assert answer.headers["location"].endswith(f"/documents/{made['id']}")
    assert client.get(answer.headers["location"]).json() == made

    content = client.get(made["content_url"])
    assert content.status_code == 200 and content.content == pdf
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"].startswith("attachment;")

    again = client.post(
        physician_url(ada, "/documents"), files={"file": ("copy.pdf", pdf, "application/pdf")}
    )
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    listed = client.get(physician_url(ada, "/documents")).json()
    assert listed["total"] == 1 and listed["items"] == [made]


def test_it_keeps_only_the_last_part_of_a_path_like_name(client: TestClient, ada: Tenant) -> None:
    cases = {
        "../../etc/passwd.pdf": "passwd.pdf",
        "C:\\x\\evil.pdf": "evil.pdf",
        "..\\..\\..\\boot.ini.pdf": "boot.ini.pdf",
        "/abs/olute/.hidden.pdf": "hidden.pdf",
    }
    for index, (sent, kept) in enumerate(cases.items()):
        made = _upload(client, ada, sent, a_certificate(title=f"Course {index}"))
        assert made["name"] == kept
        disposition = client.get(str(made["content_url"])).headers["content-disposition"]
        plain, extended = _filenames(disposition)
        assert plain == extended == kept
        assert "/" not in disposition and "\\" not in disposition and ".." not in disposition


def test_it_names_a_download_safely_whatever_characters_the_name_has(
    client: TestClient, ada: Tenant
) -> None:
    # Sent raw: a form library would escape the quotes before they reach the server.
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; '
        b'filename="\xc3\x84rzte \\"Fortbildung\\"; 2026\t%.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + a_certificate() + b"\r\n--XyZ--\r\n"
    )
    answer = client.post(
        physician_url(ada, "/documents"),
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["name"] == 'Ärzte "Fortbildung"; 2026%.pdf'  # the tab is gone
    disposition = client.get(made["content_url"]).headers["content-disposition"]
    plain, extended = _filenames(disposition)
    assert extended == made["name"]
    assert plain == "".join(ch if ch.isascii() and ch not in '"\\;%' else "_" for ch in extended)
    assert disposition.count('"') == 2


def test_it_refuses_an_oversized_upload_with_a_413_problem(client: TestClient, ada: Tenant) -> None:
    too_big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
    answer = client.post(
        physician_url(ada, "/documents"), files={"file": ("big.pdf", too_big, "application/pdf")}
    )
    assert answer.status_code == 413
    assert is_problem(answer.headers["content-type"])
    assert "upload limit" in answer.json()["detail"]
    assert client.get(physician_url(ada, "/documents")).json()["total"] == 0


def test_it_refuses_an_empty_upload(client: TestClient, ada: Tenant) -> None:
    answer = client.post(
        physician_url(ada, "/documents"), files={"file": ("empty.pdf", b"", "application/pdf")}
    )
    assert answer.status_code == 422 and "empty" in answer.json()["detail"]


def test_it_draws_a_pdf_page_as_png_for_review(client: TestClient, ada: Tenant) -> None:
    made = _upload(client, ada, "cert.pdf", a_certificate())
    url = str(made["page_url"]).replace("{n}", "1")
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.content.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(answer.content)) as image:
        assert 900 < image.height <= 1600 and image.width < image.height
    past = client.get(url.replace("/1.png", "/2.png"))
    assert past.status_code == 404 and is_problem(past.headers["content-type"])
    assert client.get(url.replace("/1.png", "/0.png")).status_code == 422


def test_it_draws_a_photo_and_says_a_csv_has_no_pages(client: TestClient, ada: Tenant) -> None:
    photo = _upload(client, ada, "scan.png", encoded(page_image(dpi=300), "PNG"))
    drawn = client.get(str(photo["page_url"]).replace("{n}", "1"))
    assert drawn.status_code == 200
    with Image.open(io.BytesIO(drawn.content)) as image:
        assert max(image.size) == 1600  # scaled down from a 300 dpi scan
    table = _upload(client, ada, "transcript.csv", b"title,date\nA,2026-01-01\n")
    answer = client.get(str(table["page_url"]).replace("{n}", "1"))
    assert answer.status_code == 404 and "no pages" in answer.json()["detail"]


def test_it_hides_another_tenants_documents(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    sign_in(client, other_tenant.email)
    theirs = _upload(client, other_tenant, "secret.pdf", a_certificate(learner="Bea Tester"))
    client.cookies.clear()
    sign_in(client, tenant.email)
    doc = theirs["id"]
    for url in (
        physician_url(other_tenant, "/documents"),
        physician_url(other_tenant, f"/documents/{doc}"),
        physician_url(other_tenant, f"/documents/{doc}/content"),
        physician_url(other_tenant, f"/documents/{doc}/pages/1.png"),
        physician_url(tenant, f"/documents/{doc}"),
        physician_url(tenant, f"/documents/{doc}/content"),
        physician_url(tenant, f"/documents/{doc}/pages/1.png"),
    ):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert b"%PDF" not in answer.content
    posted = client.post(
        physician_url(other_tenant, "/documents"),
        files={"file": ("x.pdf", a_certificate(), "application/pdf")},
    )
    assert posted.status_code == 404


def test_it_refuses_an_upload_from_an_organisation_admin(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, org_admin_of(fresh_store, tenant))
    answer = client.post(
        physician_url(tenant, "/documents"),
        files={"file": ("x.pdf", a_certificate(), "application/pdf")},
    )
    assert answer.status_code == 403 and is_problem(answer.headers["content-type"])
