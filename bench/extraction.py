"""Certificate extraction: accuracy per field on the synthetic corpus, and throughput.

    make bench                                   # everything
    uv run python -m bench.extraction --no-scans # text PDFs only (seconds)

Accuracy: every certificate unit in the corpus (tests/corpus, generated with known truth) is
extracted and compared field by field — title, provider, completion date, credit types
(type + role), amounts (type + role + amount), learner name — exact after whitespace and case
folding. Text PDFs and OCR'd files (image-only PDFs and scans) are reported apart.
Throughput: text-layer pages/s of the whole pipeline against bare pypdfium2 text extraction
of the same files (the ratio), OCR seconds per page (Tesseract, one thread), and peak RSS
while extracting a 500-page PDF (in a child process).
Targets: >= 97 % exact-field accuracy on text PDFs, >= 93 % on scans; >= 30 text pages/s;
OCR <= 2 s/page; peak memory < 1 GB on a 500-page PDF.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from tests.corpus.certificates import CorpusFile, generate
from tests.importers.certificates.builders import certificate_pdf

from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.pipeline import Limits, extract_bytes, extract_file

FIELDS = ("title", "provider", "date", "credit_type", "amount", "learner")
TEXT_KINDS = {"text_pdf", "multi_pdf", "repeated_pdf"}


def _norm(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip().casefold()


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    credits = record.get("credits", [])
    return {
        "title": _norm(record.get("title")),
        "provider": _norm(record.get("provider")),
        "date": record.get("completion_date"),
        "credit_type": sorted({(c["type"], c["role"]) for c in credits}),
        "amount": sorted((c["type"], c["role"], f"{float(c['amount']):.2f}") for c in credits),
        "learner": _norm(record.get("learner_name")),
    }


def score(files: list[CorpusFile]) -> tuple[dict[str, Counter[str]], list[str]]:
    """Per group (text / ocr): field → correct count, plus 'units'. Mistakes listed."""
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    mistakes: list[str] = []
    for item in files:
        group = "text" if item.kind in TEXT_KINDS else "ocr"
        try:
            records = [r.as_json() for r in extract_file(item.path).records]
        except ExtractionError as exc:
            records = []
            mistakes.append(f"{item.path.name}: {exc.reason}")
        by_page: dict[int, dict[str, Any]] = {}
        for record in records:
            for page in [record.get("page") or 1, *record.get("also_on_pages", [])]:
                by_page[page] = record
        for truth in item.truths:
            tally[group]["units"] += 1
            found = by_page.get(truth.get("page") or 1)
            want = _fields(truth)
            got = _fields(found) if found else {}
            for field in FIELDS:
                if found is not None and got[field] == want[field]:
                    tally[group][field] += 1
                else:
                    mistakes.append(
                        f"{item.path.name} p{truth.get('page')} {field}: "
                        f"want {want[field]!r} got {got.get(field)!r}"
                    )
    return tally, mistakes


def throughput(files: list[CorpusFile]) -> dict[str, float]:
    # Pages with a usable text layer only: the overlay layout needs OCR and is timed below.
    text = [
        data
        for f in files
        if f.kind in TEXT_KINDS
        and extract_bytes("x.pdf", data := f.path.read_bytes()).ocr_pages == 0
    ]
    pages = 0
    began = time.perf_counter()
    for _ in range(3):
        for data in text:
            pages += extract_bytes("x.pdf", data).pages
    ours = pages / (time.perf_counter() - began)
    began, bare_pages = time.perf_counter(), 0
    for _ in range(3):
        for data in text:
            doc = pdfium.PdfDocument(data)
            for page in doc:
                textpage = page.get_textpage()
                textpage.get_text_range()
                textpage.close()
                page.close()
                bare_pages += 1
            doc.close()
    bare = bare_pages / (time.perf_counter() - began)
    result = {"text_pages_per_s": ours, "bare_pdfium_pages_per_s": bare, "ratio": ours / bare}
    ocr_files = [f for f in files if f.kind not in TEXT_KINDS]
    if ocr_files:
        began, ocr_pages = time.perf_counter(), 0
        for f in ocr_files:
            try:
                ocr_pages += extract_file(f.path).ocr_pages
            except ExtractionError:
                ocr_pages += 1
        result["ocr_s_per_page"] = (time.perf_counter() - began) / max(ocr_pages, 1)
    return result


def big_pdf_peak(pages: int) -> dict[str, float]:
    """Run in a child so the figure is the extraction's own peak RSS."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.extraction", "--child-big", str(pages)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout))


def _child_big(pages: int) -> None:
    data = certificate_pdf(pages=pages)
    began = time.perf_counter()
    result = extract_bytes("big.pdf", data, limits=Limits(max_pdf_pages=pages))
    seconds = time.perf_counter() - began
    print(
        json.dumps(
            {
                "pages": result.pages,
                "seconds": seconds,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-scans", action="store_true", help="text PDFs only")
    parser.add_argument("--show-mistakes", type=int, default=15)
    parser.add_argument("--child-big", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child_big:
        _child_big(args.child_big)
        return
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        files = generate(Path(tmp), scans=not args.no_scans)
        generated = time.perf_counter() - began
        tally, mistakes = score(files)
        speed = throughput(files)
    big = big_pdf_peak(500)
    accuracy = {
        group: {field: counts[field] / counts["units"] for field in FIELDS}
        | {
            "units": counts["units"],
            "overall": sum(counts[f] for f in FIELDS) / (counts["units"] * len(FIELDS)),
        }
        for group, counts in tally.items()
    }
    summary = {
        "accuracy": accuracy,
        "throughput": speed,
        "pdf_500_pages": big,
        "corpus_files": len(files),
        "corpus_seconds": generated,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"corpus: {len(files)} files generated in {generated:.1f} s")
    targets = {"text": 0.97, "ocr": 0.93}
    for group, acc in accuracy.items():
        cells = "  ".join(f"{f} {acc[f]:.1%}" for f in FIELDS)
        verdict = "meets" if acc["overall"] >= targets[group] else "MISSES"
        print(
            f"  {group:<4} {acc['units']:>3} units  overall {acc['overall']:.1%} ({verdict} "
            f"{targets[group]:.0%})  {cells}"
        )
    print(
        f"  text path {speed['text_pages_per_s']:.0f} pages/s; bare pypdfium2 "
        f"{speed['bare_pdfium_pages_per_s']:.0f} pages/s; ratio {speed['ratio']:.2f} "
        f"(target >= 30 pages/s)"
    )
    if "ocr_s_per_page" in speed:
        print(f"  OCR {speed['ocr_s_per_page']:.2f} s/page (target <= 2 s)")
    print(
        f"  500-page PDF: {big['seconds']:.1f} s, peak RSS {big['peak_rss_mb']:.0f} MB "
        "(target < 1 GB)"
    )
    if mistakes and args.show_mistakes:
        print(f"  first {min(len(mistakes), args.show_mistakes)} of {len(mistakes)} mistakes:")
        for line in mistakes[: args.show_mistakes]:
            print(f"    {line}")


if __name__ == "__main__":
    main()
