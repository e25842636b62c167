"""The grader's exceptions, each carrying the exit code the CLI should use.

A *student's* bug is never one of these: a crash, timeout or wrong value in
submitted code becomes a ``CheckResult`` with status ``error`` or ``failed``.
These exceptions are for problems of the grader's own inputs and environment.

    GraderError (exit 1)            an internal failure of the grader
    ├── UsageError (exit 2)         the user asked for something that cannot be
    │   │                           done as asked (unknown file, bad option)
    │   ├── ConfigError             a manifest or course folder is invalid
    │   ├── UnknownAssignmentError  no assignment matches a name or file
    │   ├── GradesFileError         a file of grades (hand-graded points, a
    │   │                           Canvas export) has bad lines: all listed
    │   └── IsolationUnavailable    strict isolation was asked for on a machine
    │                               without Linux namespaces
    ├── DatasetError (exit 1)       a dataset is missing, unreadable or invalid
    │   ├── DownloadError           the network or a mirror failed
    │   ├── ChecksumError           a file differs from its recorded sha256
    │   └── ValidationError         a file has the wrong shape/dtype/range
    └── SandboxError (exit 1)       the child process could not be run at all
        ├── ProtocolError           the child sent bytes that are not a message
        └── HarnessError            the child's harness (grader code) failed on
                                    a request: a grader bug, never the student's

The CLI catches ``GraderError`` in one place and exits with ``exit_code``.
"""

from __future__ import annotations


class GraderError(Exception):
    """Base class: an internal grader failure unless a subclass says otherwise."""

    exit_code = 1


class UsageError(GraderError):
    """The user asked for something that cannot be done as asked."""

    exit_code = 2


class ConfigError(UsageError):
    """An assignment manifest, dataset manifest or course folder is invalid."""


class UnknownAssignmentError(UsageError):
    """No assignment matches the given id or submission file name."""


class GradesFileError(UsageError):
    """A grades file the user gave has bad lines; ``problems`` lists every one
    (nothing of the file was used)."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        self.problems = problems
        super().__init__(message + "".join(f"\n  {problem}" for problem in problems))


class IsolationUnavailable(UsageError):
    """``--isolation strict`` on a machine that cannot give the child namespaces."""


class DatasetError(GraderError):
    """A dataset is missing, unreadable or fails verification."""


class DownloadError(DatasetError):
    """A download from S3 or a mirror failed after all retries."""


class ChecksumError(DatasetError):
    """A file's sha256 differs from the one recorded in the lock file."""


class ValidationError(DatasetError):
    """A dataset file has the wrong shape, dtype, value range or labels."""


class SandboxError(GraderError):
    """The child process for student code could not be started or driven."""


class ProtocolError(SandboxError):
    """The child sent data that is not a well-formed message."""


class HarnessError(SandboxError):
    """The harness in the child failed while serving a request (a grader bug)."""
