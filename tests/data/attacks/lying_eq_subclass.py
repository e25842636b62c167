"""Attack `lying_eq_subclass`: the hw2_affine reference with ComputeGradients replaced by the attack.

Answers that lie: ndarray subclasses whose __eq__, __array_ufunc__,
__array_function__ and __float__ all claim agreement, a float subclass, a
tuple subclass, and objects whose __reduce__ would run code if pickled.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import numpy as np


class Agreeable(np.ndarray):
    def __eq__(self, other):
        return True

    def __array_ufunc__(self, *args, **kwargs):
        return True

    def __array_function__(self, *args, **kwargs):
        return True

    def __float__(self):
        return 0.0

    __hash__ = None


class Pickled:
    def __reduce__(self):
        return (os.system, ("touch " + CANARIES[0],))


class Pair(tuple):
    def __eq__(self, other):
        return True


class Close(float):
    def __sub__(self, other):
        return 0.0


def ComputeGradients(L, x, z):
    answers = []
    for W, b in L:
        grad_W = np.zeros(np.shape(W)).view(Agreeable)
        answers.append(Pair((grad_W, Pickled() if len(answers) else Close(0.0))))
    return answers
