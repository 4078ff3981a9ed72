"""Ingest: read tables, validate everything first, then write in one transaction."""
