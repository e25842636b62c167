"""Modules offered to the child in place of ones that cannot work while grading
(loaded by path in the child; a package so that wheels carry them)."""
