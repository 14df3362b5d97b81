"""Saving leaves no debris: no temporary file after a failure or an ending signal, stale ones of
earlier crashed saves removed, and temporary names that fit any legal file name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest

from simulator.app.files import write as file_write
from simulator.app.storage import ScenarioError, load_scenario, save_scenario
from simulator.resources import scenarios_dir

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and names")


def _xor(tmp_path: Path, name: str = "x.json") -> Path:
    path = tmp_path / name
    path.write_bytes((scenarios_dir() / "xor.json").read_bytes())
    return path


# The child saves over its file; its fsync reports the temporary file written, then waits to be
# signalled, so the signal lands while the temporary file exists, every time.
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from dataclasses import replace
    from simulator.app.storage import load_scenario, save_scenario

    path, disposition = sys.argv[1], sys.argv[2]
    if disposition == "default-sigint":
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as Qt applications often set it
    scenario = load_scenario(path)
    real_fsync = os.fsync

    def fsync_then_wait(fd):
        real_fsync(fd)
        print("temporary file written", flush=True)
        # Short sleeps: a signal taken by another thread (OpenBLAS's) does not cut a sleep
        # short, and Python runs its handler only between them.
        for _ in range(3000):
            time.sleep(0.01)

    os.fsync = fsync_then_wait
    save_scenario(replace(scenario, title="changed"), path)
    print("saved", flush=True)
    """
)


@posix_only
@pytest.mark.parametrize(
    ("sent", "disposition", "ends_by_signal"),
    [
        ("SIGTERM", "", True),
        ("SIGHUP", "", True),
        ("SIGINT", "default-sigint", True),
        ("SIGINT", "", False),  # Python's own handler: KeyboardInterrupt
    ],
)
def test_a_signal_during_a_save_leaves_no_temporary_file(
    tmp_path: Path, sent: str, disposition: str, ends_by_signal: bool
) -> None:
    path = _xor(tmp_path)
    old = path.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), disposition],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "temporary file written\n", child.stderr.read()
        assert len(list(tmp_path.iterdir())) == 2  # the file and the temporary one
        child.send_signal(getattr(signal, sent))
        child.wait(timeout=20)
    finally:
        child.kill()
        child.wait()
    if ends_by_signal:
        assert child.returncode == -getattr(signal, sent)
    else:
        assert "KeyboardInterrupt" in child.stderr.read()
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
    assert path.read_bytes() == old


def test_an_exception_during_the_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _xor(tmp_path)
    old = path.read_bytes()
    scenario = replace(load_scenario(path), title="changed")
    failures = (
        (KeyboardInterrupt(), KeyboardInterrupt),
        (MemoryError(), MemoryError),
        (OSError(5, "Input/output error"), ScenarioError),
    )
    for failure, raised in failures:

        def fail(*args: object, failure: BaseException = failure) -> None:
            raise failure

        for name in ("write", "fsync", "chmod", "replace", "close"):
            with monkeypatch.context() as patch:
                patch.setattr(file_write.os, name, fail)
                with pytest.raises(raised):
                    save_scenario(scenario, path)
            assert [p.name for p in tmp_path.iterdir()] == ["x.json"], name
            assert path.read_bytes() == old


def test_a_signal_just_after_the_temporary_file_is_created_still_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _xor(tmp_path)
    old = path.read_bytes()
    create = file_write._create_temp

    def create_then_interrupt(folder: Path, stem: str) -> tuple[Path, int]:
        created = create(folder, stem)
        signal.raise_signal(signal.SIGINT)  # Python's handler would run before the return
        return created

    monkeypatch.setattr(file_write, "_create_temp", create_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_scenario(replace(load_scenario(path), title="changed"), path)
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
    assert path.read_bytes() == old
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stale_temporary_files_of_crashed_saves_are_removed(tmp_path: Path) -> None:
    path = _xor(tmp_path)
    long_ago = file_write.PROCESS_START - 3600
    stale = [".x.json.k2j8_q0a.tmp", ".x.json.abcdefgh.tmp"]
    kept = [
        ".x.json.fresh123.tmp",  # written after this process started: maybe another's save
        ".x.json.toolongtoken.tmp",  # not nnsim's pattern
        ".y.json.abcdefgh.tmp",  # another file's
        "x.json.abcdefgh.tmp",
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"half a file")
        if name != ".x.json.fresh123.tmp":
            os.utime(tmp_path / name, (long_ago, long_ago))
    (tmp_path / ".x.json.linkxxxx.tmp").symlink_to(tmp_path / "x.json")  # not a regular file
    os.utime(tmp_path / ".x.json.linkxxxx.tmp", (long_ago, long_ago), follow_symlinks=False)
    kept.append(".x.json.linkxxxx.tmp")
    save_scenario(load_scenario(path), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["x.json", *kept])


def test_the_process_start_is_in_the_past() -> None:
    assert time.time() - 24 * 3600 < file_write.PROCESS_START <= time.time()


@posix_only
@pytest.mark.parametrize("stem", ["a" * 250, "é" * 125, "n" * 241, "n" * 240])
def test_names_up_to_the_longest_legal_one_save(tmp_path: Path, stem: str) -> None:
    name = f"{stem}.json"
    assert len(os.fsencode(name)) <= 255
    scenario = load_scenario(_xor(tmp_path, "x.json"))
    (tmp_path / "x.json").unlink()
    saved = save_scenario(scenario, tmp_path / name)
    assert load_scenario(tmp_path / name) == saved
    assert [p.name for p in tmp_path.iterdir()] == [name]
    temp_stem = file_write.temp_stem(tmp_path / name)
    assert len(os.fsencode(temp_stem)) + len(".abcdefgh.tmp") <= 255
    # Stale ones of such a name are recognised too.
    stale = tmp_path / f"{temp_stem}.abcdefgh.tmp"
    stale.write_bytes(b"")
    os.utime(stale, (0, 0))
    save_scenario(scenario, tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_long_names_get_distinct_temporary_stems(tmp_path: Path) -> None:
    first = file_write.temp_stem(tmp_path / ("a" * 250 + ".json"))
    second = file_write.temp_stem(tmp_path / ("a" * 249 + "b.json"))
    assert first != second
    assert first.startswith(".aaaa")
    assert file_write.temp_stem(tmp_path / "x.json") == ".x.json"


def test_a_name_too_long_for_the_folder_is_a_scenario_error(tmp_path: Path) -> None:
    scenario = load_scenario(scenarios_dir() / "xor.json")
    with pytest.raises(ScenarioError, match="could not save: File name too long"):
        save_scenario(scenario, tmp_path / ("a" * 256 + ".json"))
    assert list(tmp_path.iterdir()) == []
