"""Reading: only regular files are opened (a FIFO as data would wait for ever), and size
messages whose numbers can be told apart."""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.app.files import read
from simulator.app.session import Simulation
from simulator.app.storage import ScenarioError, load_scenario, save_scenario

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")

ROWS = "a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12))


def _scenario(csv: str = "data.csv") -> dict:
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Data in a pipe",
        "network": {"inputs": ["a", "b"], "layers": [{"units": 1, "activation": "sigmoid"}]},
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 4,
        },
        "data": {"csv": csv, "targets": ["y"], "train_fraction": 0.5, "seed": 0},
    }


def _outcome_within(seconds: float, call: Callable[[], object], fifo: Path) -> BaseException:
    """Run `call` in a thread; return what it raised. Fail, rather than hang, if it is still
    running after `seconds` (then release it: a writer opening the FIFO ends its wait)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(5)
        pytest.fail(f"still waiting on the FIFO after {seconds} s")
    assert outcome[0] is not None, "a FIFO as data was accepted"
    return outcome[0]


def test_a_fifo_as_the_csv_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "data.csv")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(_scenario()), encoding="utf-8")
    error = _outcome_within(1.0, lambda: Simulation(load_scenario(path)), tmp_path / "data.csv")
    assert isinstance(error, ScenarioError)
    assert str(error) == "s.json: data.csv: data.csv is a named pipe (FIFO), not a regular file"
    # Through a subfolder and a link, too.
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "link.csv").symlink_to(tmp_path / "data.csv")
    path.write_text(json.dumps(_scenario("sets/link.csv")), encoding="utf-8")
    error = _outcome_within(1.0, lambda: load_scenario(path), tmp_path / "data.csv")
    assert (error.field, error.reason) == (
        "data.csv",
        "sets/link.csv is a named pipe (FIFO), not a regular file",
    )


def test_a_socket_or_a_folder_as_the_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(_scenario()), encoding="utf-8")
    (tmp_path / "data.csv").mkdir()
    with pytest.raises(ScenarioError, match=r"^s\.json: data\.csv: data\.csv is a folder, not"):
        load_scenario(path)
    (tmp_path / "data.csv").rmdir()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "data.csv"))
        with pytest.raises(ScenarioError, match=r"data\.csv is a socket, not a regular file"):
            load_scenario(path)


def test_a_copy_of_the_csv_is_not_sent_into_a_fifo(tmp_path: Path) -> None:
    for folder in ("old", "new"):
        (tmp_path / folder).mkdir()
    (tmp_path / "old" / "data.csv").write_text(ROWS, encoding="utf-8")
    (tmp_path / "old" / "s.json").write_text(json.dumps(_scenario()), encoding="utf-8")
    scenario = load_scenario(tmp_path / "old" / "s.json")
    os.mkfifo(tmp_path / "new" / "data.csv")
    # The FIFO's name is taken, so the copy gets another; the new file reads a regular file.
    saved = save_scenario(scenario, tmp_path / "new" / "s.json")
    assert saved.data.csv == "data-2.csv"
    Simulation(load_scenario(tmp_path / "new" / "s.json"))


def test_open_regular_file_refuses_special_files_without_opening_them(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    for special, kind in (
        (tmp_path / "fifo", "a named pipe (FIFO)"),
        (Path("/dev/null"), "a character device"),
        (tmp_path, "a folder"),
    ):
        with pytest.raises(read.NotRegularFileError) as info:
            read.open_regular_file(special)
        assert info.value.strerror == f"not a regular file but {kind}"
        assert isinstance(info.value, OSError)
    (tmp_path / "plain.csv").write_text(ROWS, encoding="utf-8")
    with read.open_regular_file(tmp_path / "plain.csv") as stream:
        assert stream.read() == ROWS.encode()
    with gzip.open(tmp_path / "packed.csv.gz", "wt", encoding="utf-8") as stream:
        stream.write(ROWS)
    raw = read.open_regular_file(tmp_path / "packed.csv.gz", gunzip=True)
    with raw as stream:
        assert stream.read() == ROWS.encode()
    assert raw.closed
    assert raw._raw.closed
    with pytest.raises(FileNotFoundError):
        read.open_regular_file(tmp_path / "missing.csv")


def test_a_fifo_put_in_place_after_loading_is_not_opened(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text(ROWS, encoding="utf-8")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(_scenario()), encoding="utf-8")
    scenario = load_scenario(path)
    # The check at loading passed; session.py's read of the CSV must refuse it by itself.
    (tmp_path / "data.csv").unlink()
    os.mkfifo(tmp_path / "data.csv")
    error = _outcome_within(1.0, lambda: Simulation(scenario), tmp_path / "data.csv")
    assert isinstance(error, ScenarioError)
    assert error.field == "data.csv"
    assert "named pipe" in error.reason


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (200_000_001, "200,000,001 bytes; scenario files may have at most 200,000,000 bytes"),
        (200_400_000, "200,400,000 bytes; scenario files may have at most 200,000,000 bytes"),
        (200_600_000, "201 MB; scenario files may have at most 200 MB"),
        (3_000_000_000, "3,000 MB; scenario files may have at most 200 MB"),
    ],
)
def test_size_messages_tell_the_size_from_the_limit(tmp_path: Path, size: int, shown: str) -> None:
    path = tmp_path / "big.json"
    with open(path, "wb") as stream:
        stream.truncate(size)  # sparse: no disk space used
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"big.json: the file is too large ({shown})"
