"""What the child's interpreter takes from the grader's: the harness it runs,
the library folders on its path (and none of the course's), a matplotlib font
cache built once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from grader import paths

HARNESS = Path(__file__).resolve().parent / "harness.py"


def matplotlib_config() -> str | None:
    """A matplotlib config folder whose font list the grader built once, so a
    child importing matplotlib does not scan every font on the machine again
    (0.4 s a child). Children only read it: their writes stay in their own
    folder. None if matplotlib is not installed or the cache cannot be made."""
    folder = paths.tool_cache_dir() / "matplotlib"
    if any(folder.glob("fontlist-*.json")):
        return str(folder)
    from filelock import FileLock, Timeout  # only the first run builds it

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder) + ".lock", timeout=120):
            if not any(folder.glob("fontlist-*.json")):
                subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], timeout=120, check=True,
                               env={**os.environ, "MPLCONFIGDIR": str(folder), "MPLBACKEND": "Agg"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError, Timeout):
        return None
    return str(folder) if any(folder.glob("fontlist-*.json")) else None


def library_roots() -> tuple[Path, ...]:
    """Where this interpreter's libraries live: its prefixes (the runtime and
    the virtual environment) and its site-packages folders."""
    import site

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    try:
        roots.update(site.getsitepackages())
    except AttributeError:  # an old virtualenv's site module
        pass
    user = site.getusersitepackages() if hasattr(site, "getusersitepackages") else None
    if isinstance(user, str):
        roots.add(user)
    return tuple(Path(root).resolve() for root in sorted(roots) if root)


_FOUND: dict[tuple[Any, ...], list[str]] = {}


def library_path(deny: tuple[str, ...] = (), roots: tuple[Path, ...] | None = None,
                 startup: Path | None = None) -> list[str]:
    """``child_library_path``, worked out once per process for the same
    question (a batch worker asks it for every submission, each time with the
    same sys.path, working folder and denied folders)."""
    try:
        here = os.getcwd()
    except OSError:
        here = None
    question = (deny, roots, startup, tuple(sys.path), here, tuple(sys.argv[:1]))
    if question not in _FOUND:
        _FOUND[question] = child_library_path(deny, roots, startup)
    return list(_FOUND[question])


def child_library_path(deny: tuple[str, ...] = (), roots: tuple[Path, ...] | None = None,
                       startup: Path | None = None) -> list[str]:
    """The grader's library folders (stdlib, site-packages, what .pth files
    add) for the child, and nothing else of its sys.path: not the folder the
    interpreter started from (``python -m`` puts the current folder first, and
    the grader may be run from the course or the submissions' folder), no
    folder that is, holds or lies in a denied one (the course, the checkout,
    the dataset cache, the submissions' folder), no import hooks. A virtual
    environment inside the checkout is fine: its site-packages lies in a
    library root."""
    checkout = paths.checkout_dir()
    denied = [Path(path).resolve() for path in (*deny, *((str(checkout),) if checkout else ()))]
    usable = [root for root in (roots if roots is not None else library_roots())
              if not any(root == d or root in d.parents for d in denied)]
    first = startup if startup is not None else _startup_folder()
    keep = []
    for entry in sys.path:
        if not entry or not Path(entry).is_absolute() or not Path(entry).is_dir():
            continue
        resolved = Path(entry).resolve()
        library = any(resolved == root or root in resolved.parents for root in usable)
        if resolved == first and not library:
            continue
        if any(resolved == d or resolved in d.parents for d in denied):
            continue
        if any(d in resolved.parents for d in denied) and not library:
            continue
        keep.append(str(resolved))
    return list(dict.fromkeys(keep))


def _startup_folder() -> Path | None:
    """The folder Python put first on sys.path at start (the current folder
    for ``-m``, the script's folder for a script), if it is still there."""
    if not sys.path or not sys.path[0]:
        return None
    first = Path(sys.path[0]).resolve()
    here = Path.cwd().resolve()
    script = Path(sys.argv[0]).resolve().parent if sys.argv and sys.argv[0] not in ("", "-c", "-m") else None
    return first if first in (here, script) else None
