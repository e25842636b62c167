"""Attack `systemexit_in_function`: the hw2_affine reference with ComputeGradients replaced by the attack.

Exceptions the harness must not mistake for its own end: SystemExit,
KeyboardInterrupt, GeneratorExit and a BaseException whose message raises, one
after another across calls (a counter kept in a mutated list).

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

CALLS = []


class Unprintable(BaseException):
    def __str__(self):
        raise SystemExit("in __str__")


def ComputeGradients(L, x, z):
    CALLS.append(1)
    raise (SystemExit(0), KeyboardInterrupt(), GeneratorExit(), Unprintable())[len(CALLS) % 4]
