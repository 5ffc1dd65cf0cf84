"""trenova-db: numbered raw-SQL migrations and environment-aware seeds for PostgreSQL."""
