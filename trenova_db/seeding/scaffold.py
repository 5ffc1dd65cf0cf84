"""``create-seed``: the next numbered seed file, from the template."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from ..errors import ConfigurationError
from .model import FOLDER_ENVIRONMENTS, FOLDERS
from .scan import SEED_FILE

__all__ = ["create_seed_file"]

_NAME = re.compile(r"^[0-9a-z_-]{1,100}$")


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_-]+", name) if part)


def create_seed_file(
    seeds_dir: Path, name: str, folder: str = "base", *, dry_run: bool = False
) -> Path:
    """Write the next numbered seed file from the template; never overwrite.

    ``dry_run``: the path it would write; nothing is created.
    """
    if folder not in FOLDERS:
        raise ConfigurationError(f"unknown seed folder {folder!r}; use one of {', '.join(FOLDERS)}")
    if not _NAME.match(name) or not name[0].isalpha():
        raise ConfigurationError(
            f"invalid seed name {name!r}: start with a letter, then use lowercase letters, "
            "digits, '_' or '-'",
            hint="e.g. `trenova-db create-seed load_customers --dev`",
        )
    stem = name.replace("-", "_")
    directory = seeds_dir / folder
    if not dry_run:
        directory.mkdir(parents=True, exist_ok=True)
    newest, width = -1, 2
    for path in directory.iterdir() if directory.is_dir() else ():
        match = SEED_FILE.match(path.name)
        if match is None:
            continue
        if match.group(2) == stem:
            raise ConfigurationError(f"a seed named {stem!r} already exists: {folder}/{path.name}")
        if int(match.group(1)) > newest:
            newest, width = int(match.group(1)), len(match.group(1))
    number = newest + 1
    target = directory / f"{number:0{width}d}_{stem}.py"
    if dry_run:
        return target
    import importlib.resources  # create-seed only

    # One per line with a trailing comma: what `ruff format` writes, and short
    # enough for any line-length limit, so a new seed passes the project's lint.
    names = [f"Environment.{e.name}" for e in FOLDER_ENVIRONMENTS[folder]]
    if len(names) == 1:
        envs = f"{names[0]},"
    else:
        envs = "".join(f"\n        {n}," for n in names) + "\n    "
    template = Template(
        importlib.resources.files("trenova_db.seeding")
        .joinpath("templates/seed.py.tmpl")
        .read_text()
    )
    text = template.substitute(
        class_name=_camel(stem) + "Seed",
        seed_name=_camel(stem),
        description=f"{stem.replace('_', ' ').capitalize()} ({folder} seed)",
        environments=envs,
    )
    try:
        with target.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError as exc:
        raise ConfigurationError(f"{target} already exists; not overwriting") from exc
    return target
