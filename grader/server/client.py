"""``grade submit``'s side of the resident server: hand the command to a
standby if one answers, else say so (None) and let the ordinary start run,
then leave a server behind for the next time.

Standard library only, and imported before anything else: a command the
server takes costs this interpreter's start, one connection and a wait.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time

from grader import server

_ANSWER_SECONDS = 10.0
"""How long a standby may take to answer (it may still be starting its zygote)."""
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def _process_start() -> float | None:
    """When the kernel started this process, on ``CLOCK_BOOTTIME`` (for ``--profile-timing``)."""
    from grader import timing

    since = timing.since_process_start()
    return None if since is None else time.clock_gettime(time.CLOCK_BOOTTIME) - since


def run(argv: list[str], key: str) -> int | None:
    """Run ``grade`` with ``argv`` (``argv[0]`` is the program) in the
    resident server of build ``key``: its exit code, or None when no server
    took the command (nothing of it has run then)."""
    path = server.socket_path(key)
    if path is None or not os.path.exists(path):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    connection.settimeout(_ANSWER_SECONDS)
    try:
        connection.connect(path)
        request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "started": _process_start(),
                   "sent": time.clock_gettime(time.CLOCK_BOOTTIME),
                   "sys_argv0": sys.argv[0], "sys_path0": sys.path[0] if sys.path else ""}
        socket.send_fds(connection, [json.dumps(request).encode()], [0, 1, 2])
        answer = json.loads(connection.recv(server.MAX_MESSAGE) or b"{}")
        pid = int(answer["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        connection.close()
        return None  # no server, a busy or broken one, a closed stdin: the ordinary start
    forwarded = {number: signal.signal(number, lambda received, frame: _forward(pid, received))
                 for number in FORWARDED}
    try:
        connection.send(b"go")
        connection.settimeout(None)
        while True:
            data = connection.recv(server.MAX_MESSAGE)
            if not data:
                sys.stderr.write("error: the resident grader ended before the command did (stopped, or killed); "
                                 "run it again, or with GRADER_SERVER=off\n")
                return 1
            message = json.loads(data)
            if "exit" in message:
                return int(message["exit"])
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: lost the resident grader ({exc}); run the command again\n")
        return 1
    finally:
        connection.close()
        for number, previous in forwarded.items():
            signal.signal(number, previous)


def _forward(pid: int, received: int) -> None:
    """Ctrl-C (and a terminal's other signals) reach this process only: the standby gets them as SIGINT."""
    try:
        os.kill(pid, signal.SIGINT if received in (signal.SIGINT, signal.SIGQUIT) else signal.SIGTERM)
    except OSError:
        pass


def start_server(key: str) -> None:
    """Start the server of build ``key`` in the background, in a session of
    its own (it outlives this command, holds no terminal, and ends when
    idle). A second one for the same build gives way to the first."""
    import subprocess

    path = server.socket_path(key)
    if path is None:
        return
    try:
        log = open(path[: -len(".sock")] + ".log", "ab")
    except OSError:
        return
    with log:
        try:
            subprocess.Popen([sys.executable, "-m", "grader.server.serve", path], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log, start_new_session=True, close_fds=True, cwd="/")
        except OSError:
            pass
