"""The training pipeline a homework that trains a model builds on: the data
split and its hand-over to the child (``split``), a fixed-setting run
(``fixed``), the spied search (``search``: recorded by ``trials``, its
settings told apart by ``settings``, its choice replayed by ``replay``), the
chosen model on the test set (``testset``), and the built-in items a manifest
names as ``training.<name>`` (``checks``, declared through ``pipeline``).
docs/adding-an-assignment.md walks through a homework built on it."""

BUILTIN_PREFIX = "training."
"""A rubric item whose check starts so names one of the built-in items (``checks.BUILTIN``)."""
