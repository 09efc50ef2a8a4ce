"""The system of record: SQLAlchemy models, migrations, idempotent writes and the reads behind exports."""
