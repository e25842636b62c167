"""Reading TOML files (manifests, public answers) on every supported Python:
the standard library's ``tomllib`` from 3.11, ``tomli`` before."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from grader.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def read(path: Path) -> dict[str, Any]:
    """A TOML file's tables; a missing or malformed file is a ``ConfigError``."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"missing {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
