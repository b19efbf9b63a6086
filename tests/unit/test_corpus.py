"""The synthetic certificate corpus: deterministic, varied, and its truth well formed."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image

from tests.corpus.certificates import (
    CREDIT_TYPES,
    FORMATS,
    KINDS,
    LAYOUTS,
    MOC_BOARDS,
    MOC_TYPES,
    ROLES,
    TOPICS,
    TRUTH_KEYS,
    CorpusFile,
    generate,
    load,
)

AMOUNT = re.compile(r"^\d+\.\d{2}$")
PDF_KINDS = {"text_pdf", "multi_pdf", "repeated_pdf"}

Corpus = tuple[Path, list[CorpusFile]]


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    out = tmp_path_factory.mktemp("corpus_quick")
    return out, generate(out, seed=0, scans=False)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    out = tmp_path_factory.mktemp("corpus_full")
    return out, generate(out, seed=0)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _page_texts(path: Path) -> list[str]:
    doc = pdfium.PdfDocument(path)
    try:
        texts = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            texts.append(str(textpage.get_text_range()))
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


def _truths(files: list[CorpusFile]) -> list[dict[str, Any]]:
    return [t for f in files for t in f.truths]


def test_the_same_seed_gives_the_same_truths_and_pdf_bytes(quick: Corpus, tmp_path: Path) -> None:
    out, files = quick
    again = generate(tmp_path, seed=0, scans=False)
    assert [(f.path.name, f.kind, f.layout, f.truths) for f in files] == [
        (f.path.name, f.kind, f.layout, f.truths) for f in again
    ]
    assert (out / "truth.json").read_bytes() == (tmp_path / "truth.json").read_bytes()
    for a, b in zip(files, again, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name


def test_another_seed_gives_other_certificates(quick: Corpus, tmp_path: Path) -> None:
    _, files = quick
    other = generate(tmp_path, seed=1, scans=False)
    assert [f.layout for f in files] == [f.layout for f in other]
    changed = sum(a.truths != b.truths for a, b in zip(files, other, strict=True))
    assert changed >= len(files) * 0.9


def test_there_are_at_least_forty_distinct_layouts(quick: Corpus) -> None:
    _, files = quick
    assert len({lay.name for lay in LAYOUTS}) == len(LAYOUTS)
    assert len({lay.signature_key() for lay in LAYOUTS}) == len(LAYOUTS)
    assert len({f.layout for f in files if f.kind == "text_pdf"}) >= 40
    assert len({lay.font for lay in LAYOUTS}) == 3
    assert {lay.landscape for lay in LAYOUTS} == {True, False}
    assert {lay.align for lay in LAYOUTS} == {"center", "left"}
    assert len({lay.date_style for lay in LAYOUTS}) >= 10
    assert len({lay.system for lay in LAYOUTS}) >= 10


def test_every_truth_keeps_the_extraction_contract(quick: Corpus) -> None:
    out, files = quick
    for f in files:
        assert f.kind in KINDS
        pages = len(_page_texts(f.path))
        assert [t["page"] for t in f.truths] == list(range(1, pages + 1)), f.path.name
        for t in f.truths:
            assert set(t) == TRUTH_KEYS, f.path.name
            assert t["learner_name"] and "," not in t["learner_name"]
            assert not re.search(r"\d|\bDr\b|\b(MD|DO|RN|PA-C)\b", t["learner_name"])
            assert t["provider"] and t["title"]
            assert t["accredited_provider"] is None or isinstance(t["accredited_provider"], str)
            assert t["format"] is None or t["format"] in FORMATS
            _check_dates(t)
            keys = [(c["type"], c["role"], Decimal(c["amount"])) for c in t["credits"]]
            assert t["credits"], f.path.name
            assert keys == sorted(set(keys)), f.path.name
            for c in t["credits"]:
                assert set(c) == {"type", "amount", "role"}
                assert c["type"] in CREDIT_TYPES and c["role"] in ROLES
                assert AMOUNT.match(c["amount"]) and float(c["amount"]) > 0
            for m in t["moc"]:
                assert set(m) == {"board", "points", "credit_type"}
                assert m["board"] in MOC_BOARDS and AMOUNT.match(m["points"])
                assert m["credit_type"] is None or m["credit_type"] in MOC_TYPES
                if m["board"] == "ABP":
                    assert m["points"].endswith(".00")
            assert t["topics"] == sorted(set(t["topics"])) and set(t["topics"]) <= TOPICS
    # the manifest is plain JSON and reads back to the same files
    json.loads((out / "truth.json").read_text())
    assert load(out) == files


def _check_dates(t: dict[str, Any]) -> None:
    completion = date.fromisoformat(t["completion_date"])
    assert date(2022, 1, 1) < completion < date(2026, 6, 1)
    if t["date_precision"] == "range":
        start, end = date.fromisoformat(t["start_date"]), date.fromisoformat(t["end_date"])
        assert start < end == completion
    else:
        assert t["start_date"] is None and t["end_date"] is None
        assert t["date_precision"] in {"day", "month"}
        if t["date_precision"] == "month":
            assert completion.day == 1


def test_the_corpus_covers_the_hard_cases(quick: Corpus) -> None:
    _, files = quick
    truths = _truths(files)
    roles = [{c["role"] for c in t["credits"]} for t in truths]
    assert any(r == {"designated"} for r in roles), "designated-only certificates"
    assert any("hours" in r and "awarded" not in r for r in roles), "hours-only certificates"
    assert {t["date_precision"] for t in truths} == {"day", "month", "range"}
    assert {t["format"] for t in truths} == FORMATS | {None}
    assert {c["type"] for t in truths for c in t["credits"]} >= CREDIT_TYPES - {
        "ama_pra_2",
        "aoa_2a",
        "aapa_2",
    }
    assert {m["board"] for t in truths for m in t["moc"]} == MOC_BOARDS
    assert {m["credit_type"] for t in truths for m in t["moc"]} >= MOC_TYPES - {"moc_abim_ps"}
    assert {topic for t in truths for topic in t["topics"]} == TOPICS
    assert any(t["accredited_provider"] is None for t in truths)
    assert any(t["accredited_provider"] not in {None, t["provider"]} for t in truths), (
        "joint providership"
    )


def test_text_pdfs_carry_a_text_layer_with_title_and_name(quick: Corpus) -> None:
    _, files = quick
    for f in files:
        assert f.kind in PDF_KINDS
        texts = _page_texts(f.path)
        for t in f.truths:
            text = _norm(texts[t["page"] - 1])
            assert _norm(t["title"]) in text, f.path.name
            assert t["learner_name"] in text, f.path.name


def test_overlay_certificates_keep_only_the_variable_fields_as_text(quick: Corpus) -> None:
    _, files = quick
    (overlay,) = [f for f in files if f.layout == "overlay_template_rows"]
    text = _norm(_page_texts(overlay.path)[0])
    assert overlay.truths[0]["title"] in text
    assert "accredited" not in text and overlay.truths[0]["provider"] not in text


def test_multi_certificate_pdfs_hold_different_activities(quick: Corpus) -> None:
    _, files = quick
    multi = [f for f in files if f.kind == "multi_pdf"]
    assert multi
    for f in multi:
        assert 3 <= len(f.truths) <= 4
        assert len({t["title"] for t in f.truths}) == len(f.truths)
        assert len({t["learner_name"] for t in f.truths}) == 1


def test_repeated_pdfs_repeat_one_certificate_with_another_licence_per_page(
    quick: Corpus,
) -> None:
    _, files = quick
    repeated = [f for f in files if f.kind == "repeated_pdf"]
    assert repeated
    for f in repeated:
        assert len(f.truths) >= 2
        assert all({**t, "page": 1} == {**f.truths[0], "page": 1} for t in f.truths)
        texts = _page_texts(f.path)
        assert len(set(texts)) == len(texts)
        assert all(re.search(r"\d{4,}", t.split(f.truths[0]["learner_name"])[1]) for t in texts)


@pytest.mark.slow
def test_image_pdfs_have_no_text_layer(full: Corpus) -> None:
    _, files = full
    images = [f for f in files if f.kind == "image_pdf"]
    assert len(images) >= 10
    for f in images:
        (text,) = _page_texts(f.path)
        assert text.strip() == "", f.path.name


@pytest.mark.slow
def test_scans_decode_at_scan_resolutions(full: Corpus) -> None:
    _, files = full
    scans = [f for f in files if f.kind in {"scan_png", "scan_jpeg"}]
    assert {f.kind for f in scans} == {"scan_png", "scan_jpeg"}
    assert len(scans) + sum(f.kind == "image_pdf" for f in files) >= 40
    landscape_like = 0
    for f in scans:
        with Image.open(f.path) as img:
            img.load()
            assert img.format == ("PNG" if f.kind == "scan_png" else "JPEG")
            assert img.mode in {"L", "RGB"}
            assert min(img.size) >= 8.5 * 200 * 0.99
            landscape_like += img.width > img.height
    assert landscape_like >= 3
    assert {f.kind for f in files} == set(KINDS)
