"""Keel's reference server: the sync protocol over FastAPI and SQLModel."""

__version__ = "0.1.0"
