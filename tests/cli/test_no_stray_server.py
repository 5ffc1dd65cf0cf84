"""Without a database URL, the embedded server starts only inside a project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult
from trenova_db.config import Settings, is_project


def test_a_command_outside_any_project_exits_2_naming_database_url(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    result = cli("status")
    assert result.code == 2
    assert result.err.startswith(
        f"error: no database URL given, and {tmp_path} is not a trenova-db project (no "
        "[tool.trenova-db] in a pyproject.toml, no sql/ folder), so the embedded server is "
        "not started here\n"
    )
    assert "hint: set DATABASE_URL (or pass --database-url)" in result.err
    assert not (tmp_path / ".trenova").exists()


def test_a_migrations_folder_or_a_tool_table_makes_a_project(tmp_path: Path) -> None:
    settings = Settings(migrations_dir=tmp_path / "sql", project_root=tmp_path)
    assert not is_project(settings)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert not is_project(settings)
    (tmp_path / "pyproject.toml").write_text("[tool.trenova-db]\n")
    assert is_project(settings)
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "sql").mkdir()
    assert is_project(settings)
