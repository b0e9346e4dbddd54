"""A small fork server for parsing children: one process per PDF, forked from a lean process.

parse reads every PDF in a child process so a hostile file cannot hang or exhaust the caller.
Forking the caller itself costs tens of milliseconds once it maps most of a GiB (a service with
onnxruntime and Chroma loaded), which dominated an upload's time. This module starts, once per
calling process, a lean server (`python -m appealgen.stages.parse_server`) that has only the PDF
reader loaded and listens on a Unix socket in a private folder; each connection is served by a
fresh fork of it, which applies the limits, reads the PDF and answers. The server leaves when the
process that started it does. Where it cannot start, parse forks the caller as before.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from appealgen.processes import stop

_START_TIMEOUT_S = 20.0
_lock = threading.Lock()
_servers: dict[int, ParseServer | None] = {}  # by the pid of the process that started it


class ParseServer:
    """A running server: its socket path and process."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="appealgen-parse-"))  # mode 0700: only this user connects
        self.path = self.folder / "parse.sock"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "appealgen.stages.parse_server", str(self.path), str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
        )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self.path.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise OSError("the parse server did not start")
            time.sleep(0.01)
        atexit.register(self.close)

    def connect(self) -> Connection:
        """A connection served by a fresh child of the server."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(self.path))
        except OSError:
            sock.close()
            raise
        return Connection(sock.detach())

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the server and remove its folder."""
        stop(self.process, grace_s=2)
        shutil.rmtree(self.folder, ignore_errors=True)


def current() -> ParseServer | None:
    """This process's parse server, started on first use; None where it cannot run."""
    pid = os.getpid()
    server = _servers.get(pid)
    if server is not None and server.alive():
        return server
    with _lock:
        server = _servers.get(pid)
        if server is not None and server.alive():
            return server
        if pid in _servers and server is None:
            return None  # it failed to start before: do not retry on every file
        if not hasattr(socket, "AF_UNIX") or not hasattr(os, "fork"):
            _servers[pid] = None
            return None
        try:
            _servers[pid] = ParseServer()
        except OSError:
            _servers[pid] = None
        return _servers[pid]


def serve(path: str, parent: int) -> None:
    """The server loop: fork a child per connection until the parent process is gone."""
    from appealgen.settings import ParseLimits
    from appealgen.stages.parse import serve_one  # the reader, loaded once before any fork
    from appealgen.stages.pdf_reader import extract_pages

    with contextlib.suppress(Exception):  # read one small PDF so pypdf's lazy imports happen here, once
        extract_pages(_warm_up_pdf(), ParseLimits())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".tmp")
    listener.listen(128)
    os.replace(path + ".tmp", path)  # the client waits for the path: it appears listening-ready
    listener.settimeout(1.0)
    while os.getppid() == parent:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                serve_one(Connection(conn.detach()))
            finally:
                os._exit(0)
        conn.close()


def _warm_up_pdf() -> bytes:
    """A one-page PDF with a line of Helvetica text."""
    stream = b"BT /F1 12 Tf 72 720 Td (A line of text to warm up the reader.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
