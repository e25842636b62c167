"""What a grader owns on the machine, and how every other grader knows it:
the private folders of its children (under the temporary folder) and the
cgroups that cap them.

A grader holds an exclusive ``flock`` on each folder and cgroup it makes,
from the moment it exists until it is removed; the kernel lets go when the
grader ends, however it ends. A sweep removes only what it can lock, so a
live grader's folders survive whatever PID namespace the sweeper is in (a
container, ``unshare --pid``, a CI runner over one /tmp), and a killed
grader's are cleaned up by the next one. docs/security.md, "What a killed
grader leaves behind".
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from pathlib import Path
from typing import Callable

try:
    import fcntl
except ImportError:  # Windows: no flock, and so no sweep of other graders' folders either
    fcntl = None  # type: ignore[assignment]

CGROUP_ROOT = Path("/sys/fs/cgroup")


class Cgroup:
    """Memory and process caps for one child's whole process tree, in a
    cgroup of its own (v2, or v1's memory and pids hierarchies), where the
    grader may create one (as root). Best effort: without it, the per-process
    limits still hold."""

    def __init__(self, folders: list[Path], locks: list[int]) -> None:
        self.folders = folders
        self.locks = locks
        """Descriptors holding each folder's lock (``_new_cgroup``), closed once it is removed."""

    @classmethod
    def create(cls, name: str, memory_bytes: int, pids: int) -> Cgroup | None:
        if os.geteuid() != 0:
            return None
        folders: list[Path] = []
        locks: list[int] = []
        try:
            if (CGROUP_ROOT / "cgroup.controllers").is_file():
                parent = CGROUP_ROOT / "grade"
                parent.mkdir(exist_ok=True)
                sweep([parent])
                for level in (CGROUP_ROOT, parent):
                    (level / "cgroup.subtree_control").write_text("+memory +pids")
                folder = _new_cgroup(parent, name, folders, locks)
                (folder / "memory.max").write_text(str(memory_bytes))
                (folder / "pids.max").write_text(str(pids))
                return cls(folders, locks)
            parents = [CGROUP_ROOT / "memory" / "grade", CGROUP_ROOT / "pids" / "grade"]
            if not all(parent.parent.is_dir() for parent in parents):
                return None
            for parent in parents:
                parent.mkdir(exist_ok=True)
            sweep(parents)
            memory, tasks = (_new_cgroup(parent, name, folders, locks) for parent in parents)
            (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            (tasks / "pids.max").write_text(str(pids))
            return cls(folders, locks)
        except OSError:
            _remove(folders, locks)
            return None

    def add(self, root_pid: int) -> bool:
        """Move a process and its descendants in (before any student code runs:
        what they start later is born inside)."""
        try:
            for pid in [root_pid, *descendants(root_pid)]:
                for folder in self.folders:
                    (folder / "cgroup.procs").write_text(str(pid))
            return True
        except OSError:
            return False

    def remove(self) -> None:
        """Delete the cgroup once its killed processes are reaped, without
        making the caller wait (a grader that exits first leaves it to
        ``sweep``)."""
        locks, self.locks = self.locks, []  # closed once only, whoever calls this again
        threading.Thread(target=_remove, args=(list(self.folders), locks), daemon=True).start()


def _new_cgroup(parent: Path, name: str, folders: list[Path], locks: list[int]) -> Path:
    """A new cgroup under ``parent``, locked by this process from the moment
    it exists (``_claim``) until ``_remove``: what tells every grader's
    ``sweep`` it is in use. The random suffix keeps two graders apart whose
    names agree (both pid 1 of their own PID namespace, say)."""
    while True:
        folder = parent / f"{name}-{os.urandom(3).hex()}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        lock = _claim(folder)
        if lock is not None:
            folders.append(folder)
            locks.append(lock)
            return folder


def _remove(folders: list[Path], locks: list[int]) -> None:
    import time

    for folder in folders:
        for _ in range(500):
            try:
                folder.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:  # its last processes are still being reaped
                time.sleep(0.01)
    for lock in locks:  # one still there is now stale: the next sweep removes it once it is empty
        os.close(lock)


def sweep(parents: list[Path]) -> None:
    """Remove the empty cgroups that graders which have ended left behind:
    those whose lock no living process holds, whatever their name says (a
    pid means nothing across PID namespaces, and a grader that is pid 1 in
    its own would see every one of its stale cgroups as alive)."""
    for parent in parents:
        try:
            children = [child for child in parent.iterdir() if child.is_dir()]
        except OSError:
            continue
        for child in children:
            _remove_if_stale(child, os.rmdir)


_OWNED: dict[int, str] = {}
"""This process's private folders, by the descriptor holding each one's lock."""
_OWNED_LOCK = threading.Lock()


def private_folder(kind: str, parent: str | None = None) -> str:
    """A new folder for a child (``kind``: run, zygote), locked by this process
    (``_claim``) until it is gone, so that ``sweep_folders`` removes it only
    once this process has ended. The pid in its name is for people reading
    /tmp: it says nothing to a grader in another PID namespace."""
    import tempfile

    _sweep_folders_once()
    _let_go()
    while True:
        path = tempfile.mkdtemp(prefix=f"grade-{kind}-{os.getpid()}-", dir=parent)
        if fcntl is None:
            return path
        lock = _claim(path)
        if lock is not None:
            with _OWNED_LOCK:
                _OWNED[lock] = path
            return path


def _let_go() -> None:
    """Close the locks of this process's folders that are gone (their session
    removed them): one descriptor per live folder, however many were made.
    Lazily, here, so that every caller may remove its folder as it likes."""
    with _OWNED_LOCK:
        for lock, path in list(_OWNED.items()):
            if not _still(lock, path):
                del _OWNED[lock]
                os.close(lock)


def _open_folder(path: str | Path) -> int:
    """A descriptor of the folder itself, never of what a link points to, and
    never inherited by a child (O_CLOEXEC; ``subprocess`` and bubblewrap pass
    on only the descriptors they are given)."""
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)


def _still(fd: int, path: str | Path) -> bool:
    """``path`` is still the folder ``fd`` was opened on."""
    try:
        return os.path.samestat(os.fstat(fd), os.lstat(path))
    except OSError:
        return False


def _claim(path: str | Path) -> int | None:
    """Take the lock of the folder this process just made (``flock`` on the
    folder itself, exclusive) and keep it, for as long as the descriptor
    returned is open: the kernel lets it go when this process ends, however
    it ends. None: a sweep took the still-unlocked folder between its mkdir
    and this lock (and removes it); make another.

    The folder itself, not a file in it: a child running in its working
    folder as its own uid could delete such a file. No child can release
    another process's lock, nor take this one while this process lives."""
    assert fcntl is not None
    try:
        fd = _open_folder(path)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError:  # a file system without flock: no sweep can take it either
        return fd
    if _still(fd, path):
        return fd
    os.close(fd)
    return None


def _remove_if_stale(path: str | Path, remove: Callable[[str | Path], object]) -> None:
    """``remove(path)`` if no living process holds the folder's lock (its
    owner ended), holding the lock meanwhile so that two sweeps never race.
    A folder this cannot open or lock (another user's, a file system without
    flock) is left alone: removing a live one costs a grade, leaving a stale
    one costs a few bytes."""
    if fcntl is None:
        return
    try:
        fd = _open_folder(path)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        remove(path)
    except OSError:  # in use (or a cgroup with processes left in it)
        pass
    finally:
        os.close(fd)


@functools.cache
def _sweep_folders_once() -> None:
    sweep_folders()


def sweep_folders() -> None:
    """Remove the private folders that graders which were killed left behind
    in the temporary folder (their children ended with them): those whose
    lock no living process holds. Never by pid: a grader in another PID
    namespace over the same /tmp (a container, ``unshare --pid``, a CI
    runner) has pids this one cannot see."""
    import re
    import tempfile

    owned = re.compile(r"grade-(?:run|zygote)-\d+-")
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return
    for entry in entries:
        if owned.match(entry.name) and entry.is_dir(follow_symlinks=False):
            _remove_if_stale(entry.path, functools.partial(shutil.rmtree, ignore_errors=True))


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found
