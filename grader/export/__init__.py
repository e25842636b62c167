"""Exports for the platforms a course grades on (Gradescope)."""
