"""Importing only a module's definitions when its top-level code misbehaves."""

from __future__ import annotations

import textwrap

from grader.sandbox.safe_import import compile_definitions

STUDENT = textwrap.dedent('''
    from __future__ import print_function
    import numpy as np
    import torch                      # not installed: must not stop the rest
    import matplotlib.pyplot as plt

    NUM_HIDDEN = 40
    SIZES = (784, NUM_HIDDEN, 10)
    W0 = np.zeros((3, 3))
    np.random.seed(0)

    def train(X, y):
        return X

    trainX = np.load("mnist_train_images.npy")
    w = train(trainX, None)
    plt.plot([1, 2])
    plt.show()
    with open("log.txt", "w") as f:
        f.write("done")

    if __name__ == "__main__":
        train(1, 2)
''')


def test_definitions_are_kept_and_script_code_is_set_aside():
    code, set_aside = compile_definitions(STUDENT.encode(), "homework6_x.py")
    namespace: dict = {"__name__": "homework6_x"}
    exec(code, namespace)
    assert namespace["NUM_HIDDEN"] == 40 and namespace["SIZES"] == (784, 40, 10)
    assert callable(namespace["train"]) and namespace["W0"].shape == (3, 3)
    assert "trainX" not in namespace and "w" not in namespace
    described = {part["what"] for part in set_aside}
    assert {"data loading", "plotting", "file writing"} <= described
    assert 'the `if __name__ == "__main__":` block' in described
    lines = [part["line"] for part in set_aside]
    assert lines == sorted(lines) and min(lines) == 15


def test_a_kept_statement_that_raises_is_reported_and_the_rest_still_loads(monkeypatch):
    import sys

    monkeypatch.setattr(sys, "argv", ["homework6_x.py"])  # as in the child: no arguments
    source = textwrap.dedent('''
        """Homework 6."""
        from __future__ import annotations
        import sys
        import numpy as np
        NUM_CHECK = 5
        trainX = np.load("train.npy")
        idxs = np.random.permutation(trainX.shape[1])[0:NUM_CHECK]
        DATA = sys.argv[1]
        def fCE(X, Y, w):
            return 0.0
    ''')
    from grader.sandbox.safe_import import FAILED

    code, set_aside = compile_definitions(source.encode(), "homework6_x.py")
    namespace: dict = {"__name__": "homework6_x", FAILED: []}
    exec(code, namespace)
    assert callable(namespace["fCE"]) and namespace["NUM_CHECK"] == 5
    assert [(line, kind) for line, _, kind, _ in namespace[FAILED]] == [(8, "NameError"), (9, "IndexError")]
    assert [part["line"] for part in set_aside] == [7]
