"""Uploads: the size limit holds whether or not a body says its size, nothing of a refused
upload is kept, and a file's name (whatever path, control or direction characters it
holds) never reaches the file system and is downloaded as a plain last part. The blob
store keeps only content-addressed files under its root."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, sign_in
from tests.web.security.live import live_server
from tests.web.security.world import Side, World, api_token

PROBLEM = "application/problem+json"
BOUNDARY = "security-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
CHUNK = 64 * 1024
DISPOSITION = re.compile(r"attachment; filename=\"[^\"\\;]*\"; filename\*=UTF-8''[\w%.~-]*")
# name sent -> the name shown and downloaded
HOSTILE_NAMES = {
    b"../../etc/passwd": "passwd",
    b"..\\..\\windows\\win.ini": "win.ini",
    b"/abs/path.pdf": "path.pdf",
    b"C:\\Users\\x\\cert.pdf": "cert.pdf",
    b"cert\x00.pdf": "cert.pdf",
    b"cert\x1b[31m\x7f.pdf": "cert[31m.pdf",
    "invoice\u202efdp.exe".encode(): "invoicefdp.exe",
    "\u200fright\u2066to\u2069left.pdf".encode(): "righttoleft.pdf",
    b"...": "upload",
    b".htaccess": "htaccess",
    b"semi;pct%.pdf": "semi;pct%.pdf",
    # a line break ends the header: the rest is another part header, not part of the name
    b"two\r\nX-Injected: yes.pdf": '"two',
    b"%2e%2e%2fetc%2fpasswd": "%2e%2e%2fetc%2fpasswd",
    ("\u00e9" * 300 + ".pdf").encode(): "\u00e9" * 255,
}


def part(name: bytes, content: bytes, field: str = "file") -> bytes:
    """One multipart body with the file name exactly as given (httpx would escape it)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode()
        + name
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
    )
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def documents_url(side: Side) -> str:
    return f"/api/v1/physicians/{side.tenant.physician_id}/documents"


def stored(store: Store, side: Side) -> tuple[int, int, list[str]]:
    """(documents, import batches, files in the blob store) of a side."""
    pid = side.tenant.physician_id
    with store.ledger(OWNER) as ledger:
        documents = len(ledger.documents.for_physician(pid))
        batches = ledger.imports.count_for(pid)
    return documents, batches, sorted(str(p) for p in store.blobs.root.rglob("*"))


def disposition_names(header: str) -> list[str]:
    """Both file names of a Content-Disposition: the quoted one and the RFC 5987 one."""
    plain = re.search(r'filename="([^"]*)"', header)
    extended = re.search(r"filename\*=UTF-8''([^;]*)", header)
    assert plain and extended, header
    return [plain.group(1), unquote(extended.group(1))]


def safe(name: str) -> bool:
    return (
        bool(name)
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and all(ch.isprintable() for ch in name)
        and len(name) <= 255
    )


def is_problem(answer: Response, status: int) -> bool:
    return answer.status_code == status and answer.headers["content-type"] == PROBLEM


# --- size limits ----------------------------------------------------------------------------
def test_it_refuses_a_body_over_the_limit_that_says_its_size_with_413_and_keeps_nothing(
    client: TestClient, fresh_store: Store, web_settings: Settings, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    big = b"%PDF-1.4\n" + b"x" * (web_settings.max_upload_bytes + 300 * 1024)
    pid = world.a.tenant.physician_id
    before = stored(fresh_store, world.a)
    attempts = {
        "document": client.post(documents_url(world.a), files={"file": ("a.pdf", big)}),
        "import": client.post(f"/api/v1/physicians/{pid}/imports", files={"files": ("a.pdf", big)}),
        "portal": client.post("/upload", files={"files": ("a.pdf", big)}, follow_redirects=False),
        "learners": client.post(
            f"/api/v1/pars/providers/{world.a.provider_id}/learners",
            files={"file": ("l.xlsx", big)},
        ),
        "json": client.post(
            f"/api/v1/physicians/{pid}/credits",
            content=b"[" + big + b"]",
            headers={"Content-Type": "application/json"},
        ),
    }
    for what, answer in attempts.items():
        assert is_problem(answer, 413), (what, answer.status_code, answer.text[:200])
        assert answer.json()["status"] == 413 and "larger than" in answer.json()["detail"]
    assert stored(fresh_store, world.a) == before


def test_it_refuses_a_file_over_max_upload_bytes_with_413_and_keeps_nothing(
    client: TestClient, fresh_store: Store, web_settings: Settings, world: World
) -> None:
    """A file just over the limit fits in the request cap: the blob store stops it."""
    sign_in(client, world.a.tenant.email)
    over = b"%PDF-1.4\n" + b"x" * web_settings.max_upload_bytes
    pid = world.a.tenant.physician_id
    before = stored(fresh_store, world.a)
    for url, field in (
        (documents_url(world.a), "file"),
        (f"/api/v1/physicians/{pid}/imports", "files"),
    ):
        answer = client.post(url, files={field: ("over.pdf", over)})
        assert is_problem(answer, 413), (url, answer.status_code, answer.text[:200])
    page = client.post("/upload", files={"files": ("over.pdf", over)}, follow_redirects=False)
    assert page.status_code == 413 and "upload limit" in page.text
    learners = client.post(
        f"/api/v1/pars/providers/{world.a.provider_id}/learners", files={"file": ("l.xlsx", over)}
    )
    assert learners.status_code in (403, 413)  # a physician is refused before the file is read
    assert stored(fresh_store, world.a) == before
    assert not list(fresh_store.blobs.root.glob(".incoming-*"))


def _chunks(size: int, content: bytes = b"x") -> Iterator[bytes]:
    yield part(b"big.pdf", b"")[: -len(f"\r\n--{BOUNDARY}--\r\n")]
    sent = 0
    while sent < size:
        yield content * min(CHUNK, size - sent)
        sent += CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def chunked_post(base: str, path: str, headers: dict[str, str], body: Iterator[bytes]) -> int:
    """POST a body in chunks with no Content-Length over a real connection; the status.
    The server may answer and close before the body is all sent, as it should."""
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    try:
        conn.putrequest("POST", path)
        for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
            conn.putheader(name, value)
        conn.endheaders()
        try:
            for chunk in body:
                conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except OSError:
            pass  # refused mid-body: the answer is already waiting
        return conn.getresponse().status
    finally:
        conn.close()


def test_it_keeps_nothing_of_a_chunked_body_over_the_limit(
    app: FastAPI, fresh_store: Store, web_settings: Settings, world: World
) -> None:
    token = api_token(fresh_store, world.a.tenant.email)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": MULTIPART}
    before = stored(fresh_store, world.a)
    with live_server(app) as base:
        status = chunked_post(
            base, documents_url(world.a), headers, _chunks(2 * web_settings.max_upload_bytes)
        )
        assert 400 <= status < 500, status
        small = chunked_post(base, documents_url(world.a), headers, _chunks(1000, b"y"))
        assert small == 201  # the same way of sending works for a file within the limit
    documents, batches, files = stored(fresh_store, world.a)
    assert (documents, batches) == (before[0] + 1, before[1])
    assert len(files) == len(before[2]) + 3  # the small file and its two directories


def test_it_refuses_a_chunked_body_over_the_limit_with_413_problem_json(
    client: TestClient, world: World, web_settings: Settings
) -> None:
    sign_in(client, world.a.tenant.email)
    pid = world.a.tenant.physician_id
    size = 2 * web_settings.max_upload_bytes
    for url, content_type in (
        (documents_url(world.a), MULTIPART),
        (f"/api/v1/physicians/{pid}/credits", "application/json"),
    ):
        answer = client.post(url, content=_chunks(size), headers={"Content-Type": content_type})
        assert "content-length" not in answer.request.headers
        assert is_problem(answer, 413), (url, answer.status_code, answer.text)


# --- names ----------------------------------------------------------------------------------
def test_it_stores_hostile_names_as_a_safe_last_part_and_downloads_the_same_bytes(
    client: TestClient, fresh_store: Store, tmp_path: Path, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    everything_before = {p for p in tmp_path.rglob("*")}
    failures: list[str] = []
    for name, shown in HOSTILE_NAMES.items():
        content = b"%PDF-1.4\n" + hashlib.sha256(name).digest() + b"\n%%EOF\n"
        answer = client.post(
            documents_url(world.a),
            content=part(name, content),
            headers={"Content-Type": MULTIPART},
        )
        if answer.status_code != 201:
            failures.append(f"{name!r}: {answer.status_code} {answer.text[:200]}")
            continue
        document = answer.json()
        download = client.get(document["content_url"])
        names = [document["name"], *disposition_names(download.headers["content-disposition"])]
        if document["name"] != shown:
            failures.append(f"{name!r} shown as {document['name']!r}, not {shown!r}")
        if not all(safe(n) for n in names):
            failures.append(f"{name!r} downloads as {names!r}")
        if not download.headers["content-disposition"].startswith("attachment;"):
            failures.append(f"{name!r} is not sent as an attachment")
        if download.content != content:
            failures.append(f"{name!r}: the downloaded bytes differ from the uploaded ones")
    assert not failures, "\n".join(failures)
    new = {p for p in tmp_path.rglob("*")} - everything_before
    root = fresh_store.blobs.root
    outside = [p for p in new if root not in p.parents and not p.name.startswith("ledger.db")]
    assert outside == []
    for target in ("../../etc/passwd", "../../windows/win.ini", "/abs/path.pdf"):
        assert not (root / target).resolve().exists() or (root / target).resolve() == Path(
            "/etc/passwd"
        )
    assert not Path("/abs/path.pdf").exists()


def test_it_refuses_a_name_too_long_for_a_multipart_header_without_storing_anything(
    client: TestClient, fresh_store: Store, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    before = stored(fresh_store, world.a)
    answer = client.post(
        documents_url(world.a),
        content=part(b"x" * 20_000 + b".pdf", b"%PDF-1.4\n"),
        headers={"Content-Type": MULTIPART},
    )
    assert is_problem(answer, 400), answer.status_code
    assert stored(fresh_store, world.a) == before


def test_it_sends_quotes_and_semicolons_in_a_name_only_escaped(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    name = 'say "hi"; filename=evil.exe.pdf'
    answer = client.post(documents_url(world.a), files={"file": (name, b"%PDF-1.4\nq\n")})
    assert answer.status_code == 201, answer.text
    header = client.get(answer.json()["content_url"]).headers["content-disposition"]
    # one quoted plain name without quotes or semicolons, one percent-encoded UTF-8 name:
    # nothing in either can end the parameter and start another
    assert DISPOSITION.fullmatch(header), header
    plain, extended = disposition_names(header)
    assert extended == answer.json()["name"] == name.replace('"', "%22")  # as browsers send it
    assert '"' not in plain and ";" not in plain


def test_it_names_imported_files_safely_and_escapes_them_on_the_portal(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    pid = world.a.tenant.physician_id
    hostile = b'..\\..\\<img src=x onerror="alert(1)">.pdf'
    answer = client.post(
        f"/api/v1/physicians/{pid}/imports",
        content=part(hostile, b"%PDF-1.4\nhello\n", field="files"),
        headers={"Content-Type": MULTIPART},
    )
    assert answer.status_code == 202, answer.text
    [entry] = answer.json()["files"]
    assert entry["name"] == '<img src=x onerror="alert(1)">.pdf'
    page = client.get("/upload", params={"batch": answer.json()["id"]})
    assert page.status_code == 200
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=" in page.text
    download = client.get(f"/api/v1/physicians/{pid}/documents/{entry['document_id']}/content")
    assert all(safe(n) for n in disposition_names(download.headers["content-disposition"]))
    assert download.headers["x-content-type-options"] == "nosniff"


def test_it_keeps_only_content_addressed_files_in_the_blob_store(
    client: TestClient, fresh_store: Store, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    for n, name in enumerate(HOSTILE_NAMES):
        client.post(
            documents_url(world.a),
            content=part(name, f"%PDF-1.4\nfile {n}\n".encode()),
            headers={"Content-Type": MULTIPART},
        )
    root = fresh_store.blobs.root
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) >= len(HOSTILE_NAMES)
    for path in files:
        relative = path.relative_to(root).parts
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert relative == (digest[:2], digest[2:4], digest), relative
        assert oct(os.stat(path).st_mode & 0o777) == oct(0o400)
    assert all(p.is_dir() for p in root.rglob("*") if not p.is_file())
