"""Helpers for tests that run fastnn in a subprocess."""

from __future__ import annotations

import subprocess

import pytest


def interrupted(proc: subprocess.Popen, timeout: float = 60) -> tuple[str, str]:
    """``(stdout, stderr)`` of a process sent SIGINT; fails, with its stderr, if it keeps running."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"still running {timeout} s after SIGINT; stderr: {err}")
