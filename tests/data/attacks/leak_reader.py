"""Attack `leak_reader`: the hw2_affine reference with ComputeGradients replaced by the attack.

Second half of the cross-submission leak: graded after leak_writer, looks in
every place the writer used and prints what it finds.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

PLACES = ["/tmp/grade-leak-@TOKEN@", "/dev/shm/grade-leak-@TOKEN@", "../grade-leak-@TOKEN@",
          "/var/tmp/grade-leak-@TOKEN@", os.path.expanduser("~/../grade-leak-@TOKEN@")]
SHM_KEY = 0x41000000 | int(TOKEN[:6], 16)


def ComputeGradients(L, x, z):
    for path in PLACES:
        data = libc_read(path)
        say("look", path, "->", data if data else errno_text())
    libc.shmat.restype = ctypes.c_void_p
    segment = libc.shmget(SHM_KEY, 4096, 0)
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        if address not in (None, ctypes.c_void_p(-1).value):
            say("shm", ctypes.string_at(address, 64))
        libc.shmctl(segment, 0, None)  # IPC_RMID: leave nothing behind either way
    else:
        say("shm", errno_text())
    fd = libc.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0)
    address = struct.pack("=H", socket.AF_UNIX) + b"\0grade-leak-@TOKEN@"
    if libc.connect(fd, address, len(address)) == 0:
        buffer = ctypes.create_string_buffer(200)
        count = libc.recv(fd, buffer, 200, 0)
        say("abstract socket", buffer.raw[:max(count, 0)])
    else:
        say("abstract socket", errno_text())
    return None
