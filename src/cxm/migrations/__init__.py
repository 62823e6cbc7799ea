"""Alembic environment and versions over every part's models."""
