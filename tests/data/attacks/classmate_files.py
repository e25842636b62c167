"""Attack `classmate_files`: the hw2_affine reference with ComputeGradients replaced by the attack.

A classmate's file next to the submission: its folder is in the harness's
configuration; lists it, reads homework2_affine_classmate.py with Python,
importlib and libc, and hands in the classmate's ComputeGradients.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def use_reference(source, L, x, z):
    """Run the stolen file's ComputeGradients: the points the attack wants."""
    namespace = {}
    exec(compile(source, "stolen", "exec"), namespace)
    return namespace["ComputeGradients"](L, x, z)

import json

FOLDER = "@FOLDER@"


def ComputeGradients(L, x, z):
    config = libc_read("/proc/self/cmdline") or b""
    folders = [FOLDER]
    for part in config.split(b"\0"):
        if part.startswith(b"{"):
            folders += json.loads(part).get("deny", [])
    for folder in dict.fromkeys(folders):
        path = f"{folder}/homework2_affine_classmate.py"
        fd = libc.open(os.fsencode(folder), os.O_RDONLY | os.O_DIRECTORY)
        if fd >= 0:
            names = os.listdir(fd)
            os.close(fd)
            say("LEAK listdir" if "homework2_affine_classmate.py" in names else "listdir", folder, names)
        try:
            import importlib.util

            spec = importlib.util.spec_from_file_location("mate", path)
            mate = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mate)
            say("LEAK imported", path)
            return mate.ComputeGradients(L, x, z)
        except Exception as exc:
            say("import", path, type(exc).__name__)
        source = libc_read(path)
        say("libc open", path, "->", "read" if source else errno_text())
        if source:
            say("LEAK", source[:120])
            return use_reference(source, L, x, z)
    return wrong_answer(L)
