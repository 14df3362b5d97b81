"""Crash recovery files: where each window autosaves, what the sidecar beside the autosave says,
which autosaves a starting instance may offer (those of processes that are gone), and how one is
read back as the scenario it was.

Each window of each process has a folder of its own, `<root>/<pid>-<window number>/`, holding
`scenario.json` (written by storage.save_scenario: temporary file, fsync, os.replace) and
`recovery.json` (the sidecar: which file the scenario was, its title, epoch and when it was
saved). A folder rather than a file: a scenario with CSV data needs its CSV beside it (save_scenario
copies it there), and removing the folder removes the copy with it. Two windows or two instances
never share a folder, so none overwrites another's autosave.

No Qt here: the UI owns the timer and the dialog (ui/autosave.py, ui/recovery_dialog.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .scenario import CsvData, Scenario
from .session import Simulation
from .storage import load_scenario, save_scenario

RECOVERY_FORMAT = "nnsim-recovery"
RECOVERY_VERSION = 1
SCENARIO_NAME = "scenario.json"
SIDECAR_NAME = "recovery.json"
_FOLDER_PATTERN = re.compile(r"(\d+)-(\d+)")
# A sidecar is a few hundred bytes; anything much larger is not ours.
_MAX_SIDECAR_BYTES = 64 * 1024

# Window numbers of this process: each window's folder gets the next one.
_window_numbers = itertools.count(1)


@dataclass(frozen=True)
class RecoveryInfo:
    """What the sidecar says about an autosave.

    file_path: the user's file the scenario was (None: untitled), where Save writes after a
    restore. source_path: the file the scenario's CSV path was relative to (for a preset opened
    untitled, the shipped preset); csv: that CSV path as it was before the autosave copied the
    data beside itself (None for other data). pid and process_start identify the process that
    wrote it (process_start as process_start_time gives it, None where the system does not
    tell). saved_at: seconds since the epoch.
    """

    pid: int
    process_start: float | None
    file_path: str | None
    source_path: str | None
    csv: str | None
    title: str
    epoch: int
    step: int
    saved_at: float

    def to_dict(self) -> dict:
        return {"format": RECOVERY_FORMAT, "version": RECOVERY_VERSION, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, obj: object) -> RecoveryInfo:
        """Read a parsed sidecar; raises ValueError for anything that is not one."""
        if not isinstance(obj, dict) or obj.get("format") != RECOVERY_FORMAT:
            raise ValueError("not an nnsim recovery sidecar")
        if obj.get("version") != RECOVERY_VERSION:
            raise ValueError(f"recovery sidecar version {obj.get('version')!r} is not known")
        kinds = {
            "pid": int,
            "process_start": (float, int, type(None)),
            "file_path": (str, type(None)),
            "source_path": (str, type(None)),
            "csv": (str, type(None)),
            "title": str,
            "epoch": int,
            "step": int,
            "saved_at": (float, int),
        }
        for name, kind in kinds.items():
            value = obj.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"recovery sidecar field {name!r} is missing or malformed")
        return cls(**{name: obj[name] for name in kinds})


@dataclass(frozen=True)
class RecoverySlot:
    """One window's recovery folder."""

    folder: Path

    @property
    def scenario_path(self) -> Path:
        return self.folder / SCENARIO_NAME

    @property
    def sidecar_path(self) -> Path:
        return self.folder / SIDECAR_NAME

    def owner(self) -> tuple[int, int] | None:
        """The (pid, window number) the folder's name gives, None when it is not one of ours."""
        match = _FOLDER_PATTERN.fullmatch(self.folder.name)
        return (int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True)
class StaleRecovery:
    """An autosave whose process is gone: what a starting instance offers to restore."""

    slot: RecoverySlot
    info: RecoveryInfo


def slot_folder(root: Path, pid: int, window: int) -> Path:
    """The folder of window number `window` of process `pid` under `root`."""
    return Path(root) / f"{pid}-{window}"


def new_slot(root: Path) -> RecoverySlot:
    """A folder name for one more window of this process (nothing is created yet)."""
    return RecoverySlot(slot_folder(root, os.getpid(), next(_window_numbers)))


class Autosave:
    """Writes one window's autosaves into its slot; plain Python, so it may run on any thread
    (one write at a time per slot: the caller serialises them).

    A scenario with CSV data gets its CSV copied beside the first autosave (save_scenario's
    relocation); later autosaves point at that copy, so the data is neither copied nor compared
    again every few seconds.
    """

    def __init__(self, slot: RecoverySlot) -> None:
        self.slot = slot
        # (the original source_path, the original csv) -> the csv path as in the slot's copy
        self._copied_csv: tuple[tuple[Path | None, str], str] | None = None

    def write(self, scenario: Scenario, file_path: Path | None, *, now: float | None = None):
        """Write `scenario` (with its full training state) and then the sidecar saying it was
        `file_path` (None: untitled). Each file is replaced atomically. Returns the
        RecoveryInfo written. Raises ScenarioError or OSError, leaving an earlier autosave whole.
        """
        self.slot.folder.mkdir(parents=True, exist_ok=True)
        original_csv = scenario.data.csv if isinstance(scenario.data, CsvData) else None
        key = (scenario.source_path, original_csv)
        to_write = scenario
        if original_csv is not None and self._copied_csv and self._copied_csv[0] == key:
            to_write = dataclasses.replace(
                scenario,
                source_path=self.slot.scenario_path.absolute(),
                data=dataclasses.replace(scenario.data, csv=self._copied_csv[1]),
            )
        written = save_scenario(to_write, self.slot.scenario_path)
        if original_csv is not None:
            self._copied_csv = (key, written.data.csv)
        state = scenario.state
        info = RecoveryInfo(
            pid=os.getpid(),
            process_start=process_start_time(os.getpid()),
            file_path=None if file_path is None else str(Path(file_path).absolute()),
            source_path=None if scenario.source_path is None else str(scenario.source_path),
            csv=original_csv,
            title=scenario.title,
            epoch=state.epoch if state is not None else 0,
            step=state.step if state is not None else 0,
            saved_at=time.time() if now is None else now,
        )
        write_json_atomically(self.slot.sidecar_path, info.to_dict())
        return info

    def remove(self) -> None:
        """Remove the slot with everything in it (a clean close, or the file was saved)."""
        remove_slot(self.slot)


def write_json_atomically(path: Path, obj: dict) -> None:
    """Write `obj` as JSON to `path` through a temporary file in the same folder and os.replace,
    so a reader sees the old sidecar or the new one, never half of one."""
    data = json.dumps(obj, indent=1).encode("utf-8")
    fd, temp = tempfile.mkstemp(prefix=".recovery-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def remove_slot(slot: RecoverySlot) -> None:
    """Delete a recovery folder and what it holds; a folder already gone is fine."""
    shutil.rmtree(slot.folder, ignore_errors=True)


def read_info(slot: RecoverySlot) -> RecoveryInfo | None:
    """The slot's sidecar, or None when it is missing, unreadable or not one of ours."""
    try:
        with open(slot.sidecar_path, "rb") as file:
            data = file.read(_MAX_SIDECAR_BYTES + 1)
        if len(data) > _MAX_SIDECAR_BYTES:
            return None
        return RecoveryInfo.from_dict(json.loads(data))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def stale_recoveries(root: Path, *, alive=None) -> list[StaleRecovery]:
    """The autosaves under `root` whose process is no longer running, newest first.

    `alive(pid, process_start) -> bool` says whether a process still runs (process_alive by
    default). Folders of live processes are left alone (another instance is working there);
    folders of dead processes lacking a whole autosave (a crash between the first two writes)
    are removed as debris.
    """
    alive = process_alive if alive is None else alive
    found: list[StaleRecovery] = []
    try:
        entries = sorted(Path(root).iterdir())
    except OSError:
        return []
    for folder in entries:
        slot = RecoverySlot(folder)
        owner = slot.owner()
        if owner is None or not folder.is_dir():
            continue
        info = read_info(slot)
        start = info.process_start if info is not None and info.pid == owner[0] else None
        if alive(owner[0], start):
            continue
        if info is None or not slot.scenario_path.is_file():
            remove_slot(slot)
            continue
        found.append(StaleRecovery(slot, info))
    found.sort(key=lambda stale: stale.info.saved_at, reverse=True)
    return found


def process_alive(pid: int, process_start: float | None = None) -> bool:
    """Whether process `pid` runs, and is the one that started at `process_start` (as
    process_start_time gives it; None: not checked), so that a pid reused by another program
    after a crash does not hide an autosave."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if sys.platform == "win32":
        running = _windows_process_running(pid)
    else:
        try:
            os.kill(pid, 0)  # signal 0: only asks whether the process exists
            running = True
        except ProcessLookupError:
            running = False
        except PermissionError:  # exists, but belongs to someone else
            running = True
        except OSError:
            running = False
    if not running or process_start is None:
        return running
    now_start = process_start_time(pid)
    # Clock ticks are 1/100 s; a second apart is another process.
    return now_start is None or abs(now_start - process_start) < 1.0


def process_start_time(pid: int) -> float | None:
    """When process `pid` started, in seconds since boot (Linux's /proc), else None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        # Field 22 counts clock ticks after boot; the command name before it is in parentheses
        # and may hold spaces, so count from the last ")".
        ticks = int(text.rsplit(")", 1)[1].split()[19])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _windows_process_running(pid: int) -> bool:
    import ctypes

    query_limited_information = 0x1000
    still_active = 259
    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def restored_simulation(stale: StaleRecovery) -> Simulation:
    """Read an autosave back and build its simulation, as the scenario it was: its source path
    and CSV path those of the user's file again (the data itself is read from the autosave's
    copy), so that Save writes what the user's file would have held. Raises ScenarioError."""
    simulation = Simulation(load_scenario(stale.slot.scenario_path))
    info = stale.info
    scenario = simulation.scenario
    source = None if info.source_path is None else Path(info.source_path)
    if isinstance(scenario.data, CsvData) and info.csv is not None:
        scenario = dataclasses.replace(
            scenario, data=dataclasses.replace(scenario.data, csv=info.csv)
        )
    simulation.scenario = dataclasses.replace(scenario, source_path=source)
    return simulation


def describe(info: RecoveryInfo) -> str:
    """One line naming an autosave: title, file name (or "untitled"), epoch and when saved."""
    name = Path(info.file_path).name if info.file_path else "untitled"
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.saved_at))
    return f"{info.title} ({name}), epoch {info.epoch:,}, autosaved {when}"
