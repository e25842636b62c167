"""Output formats for grade reports, one module each. Adding a format touches
no grading code."""
