"""Stopping a child process politely, then firmly."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen, grace_s: float = 15.0) -> None:
    """SIGTERM, wait up to grace_s, then SIGKILL; always reaps the process."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
