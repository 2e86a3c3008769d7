"""What pytest-xdist starts in place of `python` for each worker of a parallel run (see worker_start.py):
it hands its stdin, stdout, stderr, environment, directory and arguments to the run's zygote, which forks
the worker; then it waits for the worker to end and exits with its status. Run as
`python -S -E worker_launch.py SOCKET -u -c CODE`: the standard library only, so it starts in milliseconds."""

import json
import os
import signal
import socket
import sys


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)  # the worker gets these and stops: wait for it
    path, arguments = sys.argv[1], sys.argv[2:]
    request = json.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "argv": arguments}).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as zygote:
        zygote.connect(path)
        socket.send_fds(zygote, [request], [0, 1, 2])
        zygote.shutdown(socket.SHUT_WR)
        status = b""
        while chunk := zygote.recv(16):
            status += chunk
    sys.exit(int(status) if status.strip().lstrip(b"-").isdigit() else 1)


if __name__ == "__main__":
    main()
