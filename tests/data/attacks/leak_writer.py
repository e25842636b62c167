"""Attack `leak_writer`: the hw2_affine reference with ComputeGradients replaced by the attack.

First half of a cross-submission leak (leak_reader is the second): leaves a
secret where a submission graded next might look: /tmp, /dev/shm, the
folder above its working folder, HOME, a System V shared memory segment, and
an abstract unix socket served by a daemon.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

SECRET = b"leaked-" + MARK
SHM_KEY = 0x41000000 | int(TOKEN[:6], 16)
PLACES = ["/tmp/grade-leak-@TOKEN@", "/dev/shm/grade-leak-@TOKEN@", "../grade-leak-@TOKEN@",
          "/var/tmp/grade-leak-@TOKEN@", os.path.expanduser("~/../grade-leak-@TOKEN@")]


def serve_abstract_socket():
    name_me()
    fd = libc.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0)
    address = struct.pack("=H", socket.AF_UNIX) + b"\0grade-leak-@TOKEN@"
    if libc.bind(fd, address, len(address)) != 0 or libc.listen(fd, 5) != 0:
        os._exit(0)
    end = time.monotonic() + 8
    while time.monotonic() < end:
        client = libc.accept(fd, None, None)
        if client >= 0:
            libc.send(client, SECRET, len(SECRET), 0)
            libc.close(client)
    os._exit(0)


def ComputeGradients(L, x, z):
    if not once("leak"):
        return None
    for path in PLACES:
        fd = libc.open(os.fsencode(path), os.O_WRONLY | os.O_CREAT, 0o666)
        say("leave", path, "->", "ok" if fd >= 0 else errno_text())
        if fd >= 0:
            os.write(fd, SECRET)
            os.close(fd)
    libc.shmat.restype = ctypes.c_void_p
    segment = libc.shmget(SHM_KEY, 4096, 0o1666)  # IPC_CREAT | 0666
    say("shmget", segment, errno_text() if segment < 0 else "")
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        if address not in (None, ctypes.c_void_p(-1).value):
            ctypes.memmove(address, SECRET, len(SECRET))
    if libc.fork() == 0:
        serve_abstract_socket()
    time.sleep(0.2)
    return None
