"""Crash-recovery files without Qt: folder names per process and window, the sidecar, which
autosaves a starting instance may offer, whether a process lives, and an autosave read back as
the scenario it was, bit for bit."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.app import recovery
from simulator.app.scenario import CsvData
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import resource_path, scenarios_dir

DEAD_PID = 999_999_999  # beyond any pid_max: no such process


def _trained(name: str = "xor.json", path: Path | None = None, epochs: int = 3) -> Simulation:
    simulation = Simulation(load_scenario(path or scenarios_dir() / name))
    simulation.train_epochs(epochs)
    return simulation


def _weights(scenario) -> list[np.ndarray]:
    return [np.array(layer.weights) for layer in scenario.network.layers]


def test_each_window_of_each_process_has_its_own_folder(tmp_path):
    first, second = recovery.new_slot(tmp_path), recovery.new_slot(tmp_path)
    assert first.folder != second.folder
    assert first.owner()[0] == second.owner()[0] == os.getpid()
    assert second.owner()[1] == first.owner()[1] + 1
    other = recovery.RecoverySlot(recovery.slot_folder(tmp_path, 4321, first.owner()[1]))
    assert other.owner() == (4321, first.owner()[1])
    assert other.folder not in (first.folder, second.folder)
    assert recovery.RecoverySlot(tmp_path / "notes").owner() is None


def test_two_windows_autosave_without_clobbering_each_other(tmp_path):
    one, two = _trained("xor.json"), _trained("circle.json")
    first = recovery.Autosave(recovery.new_slot(tmp_path))
    second = recovery.Autosave(recovery.new_slot(tmp_path))
    first.write(one.to_scenario(), None)
    second.write(two.to_scenario(), tmp_path / "mine.json")
    assert load_scenario(first.slot.scenario_path).title == one.scenario.title
    assert load_scenario(second.slot.scenario_path).title == two.scenario.title
    assert recovery.read_info(first.slot).file_path is None
    assert recovery.read_info(second.slot).file_path == str((tmp_path / "mine.json").absolute())


def test_the_sidecar_says_what_the_autosave_was(tmp_path):
    simulation = _trained("xor.json", epochs=4)
    autosave = recovery.Autosave(recovery.new_slot(tmp_path))
    info = autosave.write(simulation.to_scenario(), tmp_path / "lesson.json", now=1_700_000_000.5)
    assert recovery.read_info(autosave.slot) == info
    assert info.pid == os.getpid()
    assert (info.title, info.epoch, info.file_path) == (
        simulation.scenario.title,
        4,
        str((tmp_path / "lesson.json").absolute()),
    )
    assert info.step == simulation.to_scenario().state.step
    line = recovery.describe(info)
    assert simulation.scenario.title in line
    assert "lesson.json" in line
    assert "epoch 4" in line
    assert "untitled" in recovery.describe(
        recovery.RecoveryInfo(**{**vars(info), "file_path": None})
    )


@pytest.mark.parametrize(
    "change",
    [
        {"format": "something-else"},
        {"version": 99},
        {"pid": "12"},
        {"epoch": True},
        {"title": None},
        {"saved_at": "yesterday"},
    ],
)
def test_a_sidecar_that_is_not_ours_is_refused(tmp_path, change):
    simulation = _trained()
    autosave = recovery.Autosave(recovery.new_slot(tmp_path))
    autosave.write(simulation.to_scenario(), None)
    obj = json.loads(autosave.slot.sidecar_path.read_text())
    obj.update(change)
    with pytest.raises(ValueError, match=r"recovery sidecar|not an nnsim"):
        recovery.RecoveryInfo.from_dict(obj)
    autosave.slot.sidecar_path.write_text(json.dumps(obj))
    assert recovery.read_info(autosave.slot) is None


def _slot_of(root: Path, pid: int, window: int = 1) -> recovery.Autosave:
    return recovery.Autosave(recovery.RecoverySlot(recovery.slot_folder(root, pid, window)))


def test_only_autosaves_of_processes_that_are_gone_are_offered_newest_first(tmp_path):
    scenario = _trained().to_scenario()
    live = _slot_of(tmp_path, 1111)
    live.write(scenario, None, now=300.0)
    old = _slot_of(tmp_path, 2222)
    old.write(scenario, tmp_path / "old.json", now=100.0)
    new = _slot_of(tmp_path, 3333, window=2)
    new.write(scenario, None, now=200.0)
    half = _slot_of(tmp_path, 4444)  # crashed between the scenario and its sidecar
    half.slot.folder.mkdir()
    half.slot.scenario_path.write_text("{}")
    (tmp_path / "not-ours").mkdir()

    stale = recovery.stale_recoveries(tmp_path, alive=lambda pid, start: pid == 1111)

    assert [entry.slot.folder for entry in stale] == [new.slot.folder, old.slot.folder]
    assert stale[1].info.file_path == str((tmp_path / "old.json").absolute())
    assert live.slot.scenario_path.exists()  # another instance's, left alone
    assert not half.slot.folder.exists()  # debris of a crash, removed
    assert (tmp_path / "not-ours").exists()
    assert recovery.stale_recoveries(tmp_path / "missing") == []


def test_a_starting_instance_does_not_offer_its_own_or_a_running_one(tmp_path):
    scenario = _trained().to_scenario()
    own = recovery.Autosave(recovery.new_slot(tmp_path))
    own.write(scenario, None)
    gone = _slot_of(tmp_path, DEAD_PID)
    gone.write(scenario, None)
    stale = recovery.stale_recoveries(tmp_path)
    assert [entry.slot for entry in stale] == [gone.slot]


def test_liveness_by_pid_and_start_time():
    assert recovery.process_alive(os.getpid())
    assert not recovery.process_alive(DEAD_PID)
    assert not recovery.process_alive(0)
    child = subprocess.Popen([sys.executable, "-c", "input()"], stdin=subprocess.PIPE)
    try:
        assert recovery.process_alive(child.pid)
        start = recovery.process_start_time(child.pid)
        if start is not None:  # Linux: a pid taken over by another program is not the writer
            assert recovery.process_alive(child.pid, start)
            assert not recovery.process_alive(child.pid, start - 100.0)
    finally:
        child.communicate(b"\n")
    assert not recovery.process_alive(child.pid)


def test_an_autosave_reads_back_bit_for_bit_as_the_file_it_was(tmp_path):
    original = tmp_path / "lesson.json"
    shutil.copy(scenarios_dir() / "spiral.json", original)
    before = original.read_bytes()
    simulation = _trained(path=original, epochs=2)
    scenario = simulation.to_scenario()
    autosave = recovery.Autosave(recovery.new_slot(tmp_path / "recovery"))
    info = autosave.write(scenario, original)

    restored = recovery.restored_simulation(recovery.StaleRecovery(autosave.slot, info))

    assert original.read_bytes() == before  # never written over the user's file
    again = restored.to_scenario()
    assert again.source_path == original.absolute()
    for a, b in zip(_weights(again), _weights(scenario), strict=True):
        assert a.tobytes() == b.tobytes()
    assert again.state == scenario.state  # optimizer, RNG, counters and history too


def test_csv_data_goes_with_the_autosave_once_and_comes_back_to_the_users_folder(tmp_path):
    folder = tmp_path / "lessons"
    (folder / "sets").mkdir(parents=True)
    shutil.copy(resource_path("datasets/iris.csv"), folder / "sets" / "iris.csv")
    obj = json.loads((scenarios_dir() / "iris.json").read_text(encoding="utf-8"))
    obj["data"]["csv"] = "sets/iris.csv"
    original = folder / "iris.json"
    original.write_text(json.dumps(obj), encoding="utf-8")
    simulation = _trained(path=original, epochs=1)
    autosave = recovery.Autosave(recovery.new_slot(tmp_path / "recovery"))

    autosave.write(simulation.to_scenario(), original)
    copy = autosave.slot.folder / "iris.csv"
    assert copy.read_bytes() == (folder / "sets" / "iris.csv").read_bytes()
    first_copy = copy.stat().st_ino, copy.stat().st_mtime_ns
    simulation.train_epochs(1)
    info = autosave.write(simulation.to_scenario(), original)
    assert (copy.stat().st_ino, copy.stat().st_mtime_ns) == first_copy  # not copied again
    assert [p.name for p in autosave.slot.folder.iterdir() if p.suffix == ".csv"] == ["iris.csv"]

    restored = recovery.restored_simulation(recovery.StaleRecovery(autosave.slot, info))
    assert isinstance(restored.scenario.data, CsvData)
    assert restored.scenario.data.csv == "sets/iris.csv"
    assert restored.scenario.source_path == original.absolute()
    autosave.remove()
    assert not autosave.slot.folder.exists()
    # The restored scenario saves where the user's file is, with the user's data beside it.
    assert restored.to_scenario().data.csv == "sets/iris.csv"
