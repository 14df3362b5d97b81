"""What the command-line tests share: running `python -m simulator` as a user runs `nnsim`."""

import subprocess
import sys

import pytest
from cli_helpers import environment


@pytest.fixture
def run_nnsim():
    """Return run(*args, code=None, cwd=None, env=None, **popen): runs `python -m simulator`
    with `args` and returns the CompletedProcess (text). With `code`, asserts the exit code;
    always asserts that no traceback reached stderr."""

    def run(*args, code=None, cwd=None, env=None, timeout=120, **popen):
        result = subprocess.run(
            [sys.executable, "-m", "simulator", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            env=env if env is not None else environment(),
            **popen,
        )
        if code is not None:
            assert result.returncode == code, (result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    return run
