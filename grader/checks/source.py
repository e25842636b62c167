"""Reading a submission's text without running it: its bytes decoded the way
Python decodes them (``decode``), and (``ast``) the integer constants it
defines, for checks that must guess a size the file never names the way the
stub does (a hidden layer of ``HYPER_NEURON = 50``, or ``30`` written into
``unpack``)."""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
from dataclasses import dataclass

_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
"""PEP 263's coding line and the blank or comment line that may come before
it (the patterns ``tokenize`` uses)."""


class SourceEncodingError(ValueError):
    """The bytes are not text in the encoding Python would read them in; the
    message says so in a sentence a student can act on."""


def decode(raw: bytes) -> str:
    """The text Python reads from a source file's bytes: in the encoding its
    PEP 263 coding line declares (``# -*- coding: latin-1 -*-``), else UTF-8,
    a UTF-8 byte-order mark dropped (``tokenize.detect_encoding``)."""
    declared = _coding_line(raw)
    named = f"its coding line (line {declared[0]}) declares {declared[1]!r}" if declared else ""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError:  # which of Python's refusals it is, from the bytes, not from its message
        if declared and not _known(declared[1]):
            raise SourceEncodingError(f"{named}, an encoding Python does not know; delete that line and save "
                                      "the file as UTF-8") from None
        if declared and raw.startswith(codecs.BOM_UTF8):
            raise SourceEncodingError(f"the file starts with a UTF-8 byte-order mark but {named}; delete that line "
                                      "and save the file as UTF-8") from None
        if declared:  # on line 2, after a first line that is not UTF-8
            raise SourceEncodingError(f"{named}, but line 1, before it, is not UTF-8 text, and Python reads a "
                                      "coding line only after a first line in UTF-8: move the coding line to the "
                                      "top, or save the file as UTF-8") from None
        encoding = "utf-8"  # the first line is not UTF-8: the decoding below names its byte
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        if declared and codecs.lookup(declared[1]).name == "utf-8":
            raise SourceEncodingError(f"{named}, but byte {exc.start} (line {line}) is not valid UTF-8; save the "
                                      "file as UTF-8") from None
        if declared:
            raise SourceEncodingError(f"{named}, but byte {exc.start} (line {line}) is not valid {declared[1]}; "
                                      "save the file in the encoding it declares, or as UTF-8 without that "
                                      "line") from None
        raise SourceEncodingError(f"the file is not UTF-8 text (byte {exc.start}, line {line}) and declares no "
                                  "other encoding; save it as UTF-8 (or name its encoding on the first line, as in "
                                  "`# -*- coding: latin-1 -*-`)") from None


def as_utf8(text: str) -> str:
    """Decoded source to be saved as UTF-8: a coding line in its first two
    lines (PEP 263) is rewritten to say utf-8, on the same line, so the saved
    file reads back as the same text with the same line numbers."""
    lines = text.split("\n")
    for index, line in enumerate(lines[:2]):
        found = _CODING.match(line.encode("utf-8", errors="replace"))
        if found:
            lines[index] = line.replace(found.group(1).decode("ascii", errors="replace"), "utf-8", 1)
            break
        if not _BLANK.match(line.encode("utf-8", errors="replace")):
            break
    return "\n".join(lines)


def _coding_line(raw: bytes) -> tuple[int, str] | None:
    """(line number, encoding named) of the coding line Python heeds, if any."""
    lines = raw.removeprefix(codecs.BOM_UTF8).splitlines()[:2]
    for number, line in enumerate(lines, start=1):
        found = _CODING.match(line)
        if found:
            return number, found.group(1).decode("ascii")
        if not _BLANK.match(line):
            return None
    return None


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


@dataclass(frozen=True)
class Constant:
    value: int
    where: str
    """How to name it to the student: ``HYPER_NEURON = 50``, ``the literal 30 in unpack``."""


def int_constants(source: str, *, functions: tuple[str, ...] = (), low: int = 1,
                  high: int = 1 << 20) -> list[Constant]:
    """Module-level ``NAME = <int>`` assignments in file order, then the
    integer literals inside the named functions, each value once, within
    [low, high]. A file that does not parse gives nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found: dict[int, Constant] = {}

    def keep(value: object, where: str) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high and value not in found:
            found[value] = Constant(value, where)

    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    keep(node.value.value, f"{target.id} = {node.value.value!r}")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                isinstance(node.value, ast.Constant):
            keep(node.value.value, f"{node.target.id} = {node.value.value!r}")
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and function.name in functions:
            literals = [inner for inner in ast.walk(function) if isinstance(inner, ast.Constant)]
            for inner in sorted(literals, key=lambda c: (c.lineno, c.col_offset)):  # in the order written
                keep(inner.value, f"the literal {inner.value!r} in {function.name}")
    return list(found.values())
