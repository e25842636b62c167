"""One running child process and the grader's end of its channels.

The child gets its own session and process group (a timeout kills the whole
group) and two private pipes for requests and answers. Student output goes to
stdout/stderr pipes that the grader drains into capped buffers, so nothing the
student prints can reach the answer channel; answers are read on a thread,
each held to the budgets of the request it answers.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO, Callable

from grader.errors import SandboxError
from grader.sandbox import forking
from grader.sandbox import wire
from grader.sandbox.budgets import ANSWER_BYTES, EVENT_BYTES
from grader.sandbox.runtime import HARNESS
from grader.sandbox.session import Limits, StudentError

_PIPE_SAFE_BYTES = 16 * 1024  # well under any platform's pipe buffer


class _Capture:
    """Drain one pipe on a thread, keeping at most ``limit`` bytes."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.total = 0
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream: BinaryIO) -> None:
        with stream:
            while chunk := stream.read1(1 << 16):  # type: ignore[attr-defined]
                self.total += len(chunk)
                room = self.limit - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]

    def finish(self) -> None:
        """Wait for the pipe to close (call once the process has ended)."""
        self._thread.join(timeout=2)

    def text(self) -> str:
        body = self.kept.decode("utf-8", errors="replace")
        if self.total > len(self.kept):
            body += f"\n[... {self.total - len(self.kept):,} more bytes of output not kept]"
        return body


class Child:
    """One running child process and its channels."""

    def __init__(self, config: dict[str, Any], env: dict[str, str], limits: Limits,
                 confine: Callable[[list[str]], tuple[list[str], int | None]] | None = None,
                 zygote: forking.Zygote | None = None, submission: Path | None = None) -> None:
        request_r, self._request_w = os.pipe()
        self._response_r, response_w = os.pipe()
        config = dict(config, request_fd=request_r, response_fd=response_w)
        self.process: subprocess.Popen[bytes] | forking.Forked
        self.namespaced = confine is not None
        """Started by bubblewrap, which reports a death by signal N as exit status 128 + N."""
        if zygote is not None:
            try:
                assert submission is not None
                self.process, stdout, stderr = zygote.spawn(config, env, (request_r, response_w), submission)
            finally:
                os.close(request_r)
                os.close(response_w)
        else:
            stdout, stderr = self._exec(config, env, confine, request_r, response_w)
        self.stdout = _Capture(stdout, limits.output_bytes)
        self.stderr = _Capture(stderr, limits.output_bytes)
        self.frames: queue.Queue[dict[str, Any] | BaseException] = queue.Queue()
        self._left = {"answer": ANSWER_BYTES, "events": EVENT_BYTES}
        self._cost = 0
        self.refusing = "answer"
        """Which budget the last frame was measured against."""
        self._writer = os.fdopen(self._request_w, "wb")
        threading.Thread(target=self._read_frames, daemon=True).start()

    def _exec(self, config: dict[str, Any], env: dict[str, str],
              confine: Callable[[list[str]], tuple[list[str], int | None]] | None,
              request_r: int, response_w: int) -> tuple[BinaryIO, BinaryIO]:
        """Start a fresh interpreter (under bubblewrap when ``confine``)."""
        # -S: no site module. Its .pth processing costs more than numpy's import,
        # and the harness sets sys.path itself from the grader's own.
        command = [sys.executable, "-S", "-s"] + (["-P"] if sys.version_info >= (3, 11) else [])
        command = [*command, str(HARNESS), json.dumps(config)]
        extra_fd = None
        if confine is not None:
            command, extra_fd = confine(command)
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(request_r, response_w) + ((extra_fd,) if extra_fd is not None else ()),
                cwd=config["workdir"], env=env, start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(f"could not start the child interpreter: {exc}") from exc
        finally:
            os.close(request_r)
            os.close(response_w)
            if extra_fd is not None:
                os.close(extra_fd)
        return self.process.stdout, self.process.stderr  # type: ignore[return-value]

    def _read_frames(self) -> None:
        with os.fdopen(self._response_r, "rb") as stream:
            while True:
                try:
                    frame = wire.read_frame(stream, budget=self._budget, spent=self._spend)
                except BaseException as exc:  # EOF or a malformed frame ends the channel
                    self.frames.put(exc)
                    return
                if "event" in frame:
                    self._left["events"] -= self._cost
                self.frames.put(frame)

    def _budget(self, header: dict[str, Any] | None) -> int:
        """What the frame with this header (None: not read yet) may still cost
        for the request being served: call reports (events) share a small
        budget, the answer a large one; both are reset when the next request
        goes out."""
        self.refusing = "events" if header and "event" in header else "answer"
        return min(self._left["answer"], self._left["events"]) if self.refusing == "events" else self._left["answer"]

    def _spend(self, cost: int) -> None:
        self._cost = cost
        self._left["answer"] -= cost

    def send(self, header: dict[str, Any], value: Any) -> None:
        """Write a request without ever blocking the grader on a stuck child.

        Requests go out only after the previous answer came back, so the pipe
        is empty: one that fits in the pipe's buffer cannot block. Larger ones
        are written from a thread."""
        frame = wire.encode_frame(header, value)
        self._left = {"answer": ANSWER_BYTES, "events": EVENT_BYTES}

        def write() -> None:
            try:
                self._writer.write(frame)
                self._writer.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # the child is gone; the reader reports it

        if len(frame) <= _PIPE_SAFE_BYTES:
            write()
        else:
            threading.Thread(target=write, daemon=True).start()

    def kill(self) -> None:
        if isinstance(self.process, forking.Forked):
            self.process.kill_tree()
        else:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a zombie we cannot reap
            pass
        try:
            self._writer.close()
        except OSError:
            pass
        self.stdout.finish()
        self.stderr.finish()

    def exit_description(self) -> StudentError:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        # bubblewrap passes a death by signal N on as exit status 128 + N.
        number = -code if code is not None and code < 0 else \
            code - 128 if self.namespaced and code is not None and code - 128 in _SIGNALS else None
        if number is not None:
            signame = signal.Signals(number).name if number in _SIGNALS else str(number)
            if number == signal.SIGXCPU:
                return StudentError("killed", "used more CPU time than the limit allows and was stopped")
            if number == signal.SIGSEGV:
                return StudentError("killed", "crashed the Python interpreter (segmentation fault)")
            return StudentError("killed", f"the process was killed by signal {signame}")
        return StudentError(
            "exit",
            f"the process exited with code {code} while the grader was waiting for an answer "
            "(sys.exit(), exit() or os._exit() in submitted code ends the grading run: remove it)",
        )


_SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGXCPU, signal.SIGABRT, signal.SIGBUS, signal.SIGXFSZ,
            signal.SIGTERM, signal.SIGILL, signal.SIGFPE)
