"""Alembic migrations; run them from async code with migrations.runner."""
