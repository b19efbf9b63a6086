"""Importers: turn certificates, scans and transcripts into `Extracted` records."""
