"""Helpers shared by the tests: databases as other tools leave them, a real PgBouncer."""
