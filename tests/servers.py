"""Real application servers for tests that need more than one process: gunicorn on loopback."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], *, count: int = 1, workers: int = 1, threads: int = 1
) -> Iterator[list[str]]:
    """`count` gunicorn servers with the project's config and `env`; yields their base URLs
    once each answers /healthz (or after 15 s), and stops them on the way out."""
    procs, bases = [], []
    try:
        for _ in range(count):
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "--config",
                        "gunicorn.conf.py",
                        "--workers",
                        str(workers),
                        "--threads",
                        str(threads),
                        "--bind",
                        f"127.0.0.1:{port}",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            for _ in range(150):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
        yield bases
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=20)
