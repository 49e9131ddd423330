"""Storage: SQLAlchemy Core tables, Alembic migrations, and thin repositories."""
