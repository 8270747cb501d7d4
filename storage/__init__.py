"""SQLAlchemy models, engine/session factory, queries, migrations and bulk writes."""
