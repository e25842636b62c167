# What every attack file has after the honest part (@TOOLKIT@ in it): the test's
# placeholders, libc, canaries, listeners and helpers. Put in place by
# tests/integration/test_attacks.py; not graded alone.
# ------------------------------ the attack ------------------------------

import ctypes
import os
import socket
import struct
import time

TOKEN = "@TOKEN@"
MARK = f"atk-{TOKEN}".encode()
"""Every process this file starts carries this name, so the test finds survivors."""
PORT = int("@PORT@")
"""A TCP listener and a UDP socket of the test's, on 127.0.0.1."""
CANARIES = @CANARIES@
"""Paths outside the working folder that must never appear."""
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AS_ROOT = os.geteuid() == 0
"""Root on the real machine (no namespaces, no uid drop): attacks that would hit every
process or the machine's mounts hold back, since the tests run on that machine too."""
PROTECTED = {int(pid) for pid in "@PROTECT@".split(",") if pid.strip()}
"""The test runner's pid: never signalled or traced by a process that is root."""


def say(*parts):
    print("ATK", *parts, flush=True)


def errno_text():
    return os.strerror(ctypes.get_errno())


def name_me():
    libc.prctl(15, ctypes.c_char_p(MARK), 0, 0, 0)  # PR_SET_NAME


def once(tag):
    """True the first time in a grading run (the working folder outlives restarts)."""
    flag = f".once-{tag}"
    if os.path.exists(flag):
        return False
    with open(flag, "w"):
        pass
    return True


def libc_read(path, limit=1 << 20):
    """A file's bytes through libc's open (no Python open, so no audit event), or None."""
    fd = libc.open(os.fsencode(path), os.O_RDONLY)
    if fd < 0:
        return None
    try:
        data = b""
        while len(data) < limit:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
        return data
    except OSError:
        return None
    finally:
        os.close(fd)


def write_canaries():
    written = []
    for path in CANARIES:
        fd = libc.open(os.fsencode(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if fd >= 0:
            libc.write(fd, MARK + b"\n", len(MARK) + 1)
            libc.close(fd)
            written.append(path)
    return written


def _address():
    return struct.pack("=H", socket.AF_INET) + struct.pack(">H", PORT) + bytes([127, 0, 0, 1]) + bytes(8)


def libc_connect():
    fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    if fd < 0:
        return f"socket: {errno_text()}"
    address = _address()
    ok = libc.connect(fd, address, len(address))
    result = "connected" if ok == 0 else errno_text()
    if ok == 0:
        libc.send(fd, MARK, len(MARK), 0)
    libc.close(fd)
    return result


def libc_sendto():
    fd = libc.socket(socket.AF_INET, socket.SOCK_DGRAM, 0)
    if fd < 0:
        return f"socket: {errno_text()}"
    address = _address()
    sent = libc.sendto(fd, MARK, len(MARK), 0, address, len(address))
    result = "sent" if sent > 0 else errno_text()
    libc.close(fd)
    return result


def haunt(seconds=6.0):
    """A daemon's life: keep writing the canaries and calling the listener, so one
    that outlives its grading is caught in the act; never return."""
    try:
        name_me()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            write_canaries()
            libc_connect()
            libc_sendto()
            time.sleep(0.1)
    finally:
        os._exit(0)


