"""Synthetic test corpora with known truth (generated at test time; nothing binary is committed).

``tests.corpus.certificates.generate(out_dir)`` writes CME certificates as text PDFs, image-only
PDFs, scans, multi-certificate and per-licence repeated PDFs, with a ``truth.json`` manifest.
"""
