"""Writing a scenario file: the JSON text built in memory, then an atomic replace of the file
that leaves no temporary file behind."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import signal
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from .errors import ScenarioError
from .read import open_regular_file

_FLAT_TYPES = frozenset({int, float, str, bool, type(None)})


def dumps(obj: dict) -> str:
    """Return `obj` as indented JSON text with each list of plain values on one line.

    One number per line would make weight matrices long and slow to write (json's indented
    encoder is pure Python). Floats are written with repr, so they read back bit for bit.
    """
    token = f"@@nnsim-{uuid.uuid4().hex}-"
    lines: list[str] = []

    def compact(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: compact(value) for key, value in node.items()}
        if isinstance(node, list):
            if node and all(type(item) in _FLAT_TYPES for item in node):
                lines.append(
                    json.dumps(node, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))
                )
                return f"{token}{len(lines) - 1}"
            return [compact(item) for item in node]
        return node

    text = json.dumps(compact(obj), indent=1, allow_nan=False, ensure_ascii=False)
    return re.sub(f'"{token}(\\d+)"', lambda match: lines[int(match[1])], text) + "\n"


def write_atomically(path: Path, data: bytes, file: str) -> None:
    """Write `data` to `path` through a temporary file and os.replace; raise ScenarioError.

    The old file is replaced whole or not at all, and keeps its permissions. The temporary file
    is removed on every failure, and on SIGTERM, SIGINT or SIGHUP during the write (when those
    would otherwise end the process at once), after which the process ends as the signal would
    have ended it. Temporary files left beside `path` by earlier saves that crashed are removed
    first.
    """
    target = path
    with contextlib.suppress(OSError, RuntimeError, ValueError):
        if path.is_symlink():  # keep the link and replace the file it points to
            target = path.resolve()
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except (OSError, ValueError):
        mode = _new_file_mode()

    def fill(fd: int) -> None:
        _write_all(fd, data)

    _through_temp(target, file, fill, mode, os.replace)
    _fsync_folder(target.parent)


def copy_as_new_file(source: Path, path: Path, file: str) -> bool:
    """Copy the regular file `source` to `path`, which must not exist yet, atomically: `path`
    appears whole or not at all, and an existing file is never replaced.

    Returns False (nothing written) when `path` exists. Raises ScenarioError naming `file` when
    the copy fails; a FIFO or device as `source` is refused without being opened.
    """

    def fill(fd: int) -> None:
        with open_regular_file(source) as stream:
            while chunk := stream.read(_COPY_CHUNK):
                _write_all(fd, chunk)

    def link_unless_taken(temp: Path, final: Path) -> None:
        # A hard link fails if the name is taken, where a rename would replace the file.
        try:
            os.link(temp, final)
        except FileExistsError:
            raise _NameTaken from None
        except OSError:  # no hard links here (FAT, some network folders): check, then rename
            if os.path.lexists(final):
                raise _NameTaken from None
            os.rename(temp, final)
            return
        os.unlink(temp)

    try:
        _through_temp(path, file, fill, _new_file_mode(), link_unless_taken)
    except _NameTaken:
        return False
    _fsync_folder(path.parent)
    return True


class _NameTaken(Exception):
    """The name a new file was to get is taken."""


_COPY_CHUNK = 1 << 20


def _new_file_mode() -> int:
    return 0o666 & ~_umask()  # the usual permissions of a new file, not mkstemp's 0600


def _through_temp(
    target: Path,
    file: str,
    fill: Callable[[int], None],
    mode: int,
    commit: Callable[[Path, Path], None],
) -> None:
    """Create a temporary file beside `target`, `fill` it through its descriptor, flush it to
    disk, give it `mode` and `commit(temp, target)`; remove it on any failure or ending signal.
    OS failures become ScenarioError(file, "", "could not save: ...")."""
    stem = temp_stem(target)
    remove_stale_temps(target.parent, stem)
    temp: Path | None = None
    with signals_end_the_write():
        try:
            # Held, so that no signal lands between creating the file and knowing its name.
            with _signals_held():
                temp, fd = _create_temp(target.parent, stem)
            try:
                fill(fd)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(temp, mode)
            commit(temp, target)
            temp = None
        except BaseException as exc:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            if isinstance(exc, OSError):
                raise ScenarioError(file, "", f"could not save: {exc.strerror or exc}") from exc
            if isinstance(exc, ValueError):  # e.g. a NUL character in the name
                raise ScenarioError(file, "", f"could not save: {exc}") from exc
            raise


# A temporary file is named ".<target name>.<8 random characters>.tmp", the pattern that
# tempfile.NamedTemporaryFile gave earlier nnsim versions, so their debris is recognised too.
_TOKEN_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
_TOKEN_LENGTH = 8
_SUFFIX = ".tmp"
_EXTRA_BYTES = 1 + 1 + _TOKEN_LENGTH + len(_SUFFIX)  # the dot before, ".token", ".tmp"
_DIGEST_CHARACTERS = 12


def temp_stem(target: Path) -> str:
    """Return the start of the temporary files' names for saving to `target`.

    ".<name>" when the whole temporary name fits the folder's name limit; for longer names
    ".<name cut short>~<12 hex digits of the name's hash>", which still names the target for
    people and tells two long names apart.
    """
    name = target.name
    encoded = os.fsencode(name)
    limit = _name_limit(target.parent)
    if len(encoded) + _EXTRA_BYTES <= limit:
        return f".{name}"
    digest = hashlib.sha256(encoded).hexdigest()[:_DIGEST_CHARACTERS]
    room = max(0, limit - _EXTRA_BYTES - 1 - _DIGEST_CHARACTERS)
    # For people only (the digest tells names apart): drop a character cut in two, and any byte
    # that is not UTF-8.
    prefix = encoded[:room].decode("utf-8", errors="ignore")
    return f".{prefix}~{digest}"


def _name_limit(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf on Windows; 255 is the usual
        return 255


def _create_temp(folder: Path, stem: str) -> tuple[Path, int]:
    """Create a new, empty temporary file in `folder`; return its path and an open descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for _ in range(100):
        token = "".join(secrets.choice(_TOKEN_CHARACTERS) for _ in range(_TOKEN_LENGTH))
        path = folder / f"{stem}.{token}{_SUFFIX}"
        try:
            return path, os.open(path, flags, 0o600)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(folder))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def remove_stale_temps(folder: Path, stem: str) -> None:
    """Remove temporary files of earlier saves that crashed: regular files in `folder` named
    `stem` + ".<8 characters>.tmp", last changed before this process started (so no save of
    this process, nor one of a newer process still writing, is touched). Failures are ignored:
    this is housekeeping, and the save itself does not depend on it."""
    pattern = re.compile(re.escape(stem) + r"\.[a-z0-9_]{8}" + re.escape(_SUFFIX))
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < PROCESS_START:
                    os.unlink(entry.path)


def _process_start() -> float:
    """Return when this process started, in seconds since the epoch (to 1/100 s on Linux)."""
    try:
        # Field 22 of /proc/self/stat is the start in clock ticks after boot (the command name
        # before it is in parentheses and may hold spaces). Measured back from the boot clock
        # now, not from the boot time in whole seconds, which would be up to 1 s early.
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        started_after_boot = ticks / os.sysconf("SC_CLK_TCK")
        now = time.time()
        return min(now, now - (time.clock_gettime(time.CLOCK_BOOTTIME) - started_after_boot))
    except (OSError, ValueError, IndexError, AttributeError):
        return time.time()  # elsewhere: the moment this module is imported, early in start-up


PROCESS_START = _process_start()


# Signals that end the process: by default at once (no cleanup runs), or for SIGINT through
# Python's KeyboardInterrupt, which could land between creating a file and knowing its name.
_ENDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)


class _Interrupted(BaseException):
    """Raised inside a write by a signal that is to end the process once the write cleaned up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Hold:
    """While `depth` > 0 the handler only notes a signal (`pending`); it is raised on leaving."""

    depth = 0
    pending: int | None = None


@contextlib.contextmanager
def signals_end_the_write() -> Iterator[None]:
    """For the duration of the block, turn a signal that would end the process (its handler is
    the default, or Python's KeyboardInterrupt for SIGINT) into an exception, so that the block
    cleans up; afterwards restore the handlers and let the signal end the process as it would
    have: the default action again, or KeyboardInterrupt.

    An application's own handlers are left alone (they decide, and their exceptions pass through
    the block's cleanup), and so are blocks inside another such block. Handlers can only be set
    in the main thread; a save from another thread relies on the next save's removal of stale
    files instead.
    """
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if received:  # a second signal must not interrupt the cleanup of the first
            return
        received.append(signum)
        if _Hold.depth:
            _Hold.pending = signum
            return
        raise _Interrupted(signum)

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in _ENDING_SIGNALS:
            with contextlib.suppress(ValueError, OSError):
                handler = signal.getsignal(signum)
                if handler is signal.SIG_DFL or handler is signal.default_int_handler:
                    previous[signum] = signal.signal(signum, on_signal)
    try:
        yield
    except _Interrupted:
        if not received:  # raised by the handler of an enclosing block: that one ends it
            raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:  # also when the block failed otherwise after a held signal
            _Hold.pending = None
            _end_as(received[0], previous[received[0]])


def _end_as(signum: int, handler: Any) -> None:
    """Do what `signum` would have done under `handler` (SIG_DFL or default_int_handler)."""
    if handler is signal.SIG_DFL:
        signal.raise_signal(signum)
    else:
        handler(signum, None)  # default_int_handler: raises KeyboardInterrupt
    # Still alive (the signal is blocked in this thread): end as the signal would have.
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Within signals_end_the_write, keep a signal from interrupting this block (it is raised
    as the block ends): used where an interruption would lose track of a file just created."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Python runs signal handlers in the main thread only
        return
    _Hold.depth += 1
    try:
        yield
    finally:
        _Hold.depth -= 1
    if _Hold.depth == 0 and _Hold.pending is not None:
        signum, _Hold.pending = _Hold.pending, None
        raise _Interrupted(signum)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; folders cannot be opened like this on Windows.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    # os.umask() can only be read by setting it, which races with other threads creating files.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
