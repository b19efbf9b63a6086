"""Persistence: SQLAlchemy models, repositories, field encryption, blobs and migrations."""
