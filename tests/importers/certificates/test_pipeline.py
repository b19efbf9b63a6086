"""Whole files through the pipeline: text layers, OCR, and every kind of bad file."""

from __future__ import annotations

import contextlib
import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.pipeline import Limits, extract_bytes, extract_file
from tests.importers.certificates.builders import (
    certificate_pdf,
    encoded,
    image_only_pdf,
    page_image,
)
from tests.importers.conftest import requires_tesseract


def test_a_text_pdf_is_read_from_its_text_layer() -> None:
    result = extract_bytes("cert.pdf", certificate_pdf())
    [record] = result.records
    assert record.method == "text" and result.ocr_pages == 0
    assert record.title == "Heart Failure in Primary Care"
    assert record.completion_date == date(2025, 6, 3)
    assert {(c.type, str(c.amount), c.role.value) for c in record.credits} == {
        ("ama_pra_1", "1.75", "awarded"),
        ("ama_pra_1", "2.00", "designated"),
    }
    assert record.learner_name == "Ada Demo"


def test_a_certificate_repeated_once_per_licence_is_one_completion() -> None:
    result = extract_bytes("repeat.pdf", certificate_pdf(pages=3))
    [record] = result.records
    assert record.page == 1 and record.also_on_pages == (2, 3)


@requires_tesseract
def test_a_pdf_without_a_text_layer_is_read_by_ocr() -> None:
    result = extract_bytes("outlines.pdf", image_only_pdf())
    [record] = result.records
    assert record.method == "ocr" and result.ocr_pages == 1
    assert record.title == "Heart Failure in Primary Care"
    assert record.completion_date == date(2025, 6, 3)
    assert record.awarded[0].amount == 1.75


@requires_tesseract
@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_sideways_or_upside_down_photo_is_turned_upright(angle: int) -> None:
    photo = encoded(page_image().rotate(angle, expand=True, fillcolor=255), "JPEG", quality=80)
    result = extract_bytes("photo.jpg", photo)
    [record] = result.records
    assert record.title == "Heart Failure in Primary Care"
    assert record.awarded[0].amount == 1.75


@requires_tesseract
def test_a_slightly_skewed_grey_scan_is_read() -> None:
    scan = page_image().rotate(2.5, expand=True, fillcolor=235)
    result = extract_bytes("scan.png", encoded(scan, "PNG"))
    assert result.records[0].awarded[0].amount == 1.75


def test_a_password_protected_pdf_gets_a_clear_error() -> None:
    with pytest.raises(ExtractionError, match="password-protected"):
        extract_bytes("locked.pdf", certificate_pdf(encrypt="secret"))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.pdf", b"", "empty"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage", "not a readable PDF"),
        ("half.pdf", certificate_pdf()[:400], "not a readable PDF"),
        ("noise.bin", bytes(range(256)) * 4, "not a PDF, image, CSV or XLSX"),
        ("photo.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "HEIC"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "damaged"),
    ],
)
def test_bad_files_get_a_message_that_names_the_problem(
    name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_bytes(name, data)


def test_a_decompression_bomb_image_is_refused_without_decoding_it() -> None:
    width = height = 20_000  # 400 megapixels of one colour compress to almost nothing
    raw = zlib.compress(b"\x00" * (width + 1) * 16, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )
    with pytest.raises(ExtractionError, match="megapixels"):
        extract_bytes("bomb.png", png)


def test_too_many_pages_is_refused_before_any_work() -> None:
    with pytest.raises(ExtractionError, match="limit is 3"):
        extract_bytes("long.pdf", certificate_pdf(pages=4), limits=Limits(max_pdf_pages=3))


def test_an_oversized_file_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(certificate_pdf())
    with pytest.raises(ExtractionError, match="MB limit"):
        extract_file(big, limits=Limits(max_bytes=100))


def test_a_file_named_like_another_type_is_read_by_its_content() -> None:
    result = extract_bytes("certificate.jpg", certificate_pdf())
    assert result.records[0].title == "Heart Failure in Primary Care"
    assert any("it is a PDF" in w for w in result.warnings)


def test_a_pdf_with_no_certificate_says_so() -> None:
    with pytest.raises(ExtractionError, match="no CME completion found"):
        extract_bytes("memo.pdf", certificate_pdf(lines=("Quarterly staff memo",) * 3))


def test_a_five_hundred_page_pdf_is_read_with_bounded_work() -> None:
    result = extract_bytes("bulk.pdf", certificate_pdf(pages=500))
    assert len(result.records) == 1 and result.pages == 500
    assert len(result.records[0].also_on_pages) == 499


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_give_records_or_an_extraction_error(data: bytes) -> None:
    try:
        result = extract_bytes("fuzz.bin", data, limits=Limits(max_ocr_pages=0))
    except ExtractionError:
        return
    assert result.records


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=64))
def test_a_damaged_pdf_never_crashes_the_reader(cut: int, junk: bytes) -> None:
    pdf = certificate_pdf()
    damaged = pdf[:cut] + junk + pdf[cut + len(junk) :]
    with contextlib.suppress(ExtractionError):
        extract_bytes("damaged.pdf", damaged, limits=Limits(max_ocr_pages=0))


def test_the_network_is_shut_while_importers_run() -> None:
    import socket

    with pytest.raises(OSError, match="network access blocked"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_a_device_or_pipe_is_refused_not_read_forever(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        with pytest.raises(ExtractionError, match="not a regular file"):
            extract_file(path)


@requires_tesseract
def test_every_page_of_a_multi_page_tiff_is_read() -> None:
    import io

    pages = [page_image(), page_image()]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    result = extract_bytes("scan.tiff", out.getvalue())
    assert result.pages == 2 and result.ocr_pages == 2
    assert result.records[0].also_on_pages == (2,)


def test_a_utf16_transcript_is_read_as_a_table() -> None:
    csv = (
        "Activity Title,Provider,Completion Date,Credits,Credit Type\n"
        "Asthma Update,Lake CME,2025-03-02,1,AMA PRA Category 1\n"
    ).encode("utf-16")
    assert extract_bytes("t.csv", csv).records[0].title == "Asthma Update"


def test_pages_needing_ocr_are_counted_before_any_ocr_runs() -> None:
    blank = certificate_pdf(pages=5, lines=("",))
    with pytest.raises(ExtractionError, match="5 pages need OCR; the limit is 2"):
        extract_bytes("blank.pdf", blank, limits=Limits(max_ocr_pages=2))
