"""Entry point of `nnsim` and `python -m simulator`: headless commands, or the desktop app."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from .cli import COMMANDS, EXIT_BAD_INPUT, EXIT_FAILURE, build_parser, run_command

NO_DISPLAY_MESSAGE = (
    "nnsim: no display found (DISPLAY and WAYLAND_DISPLAY are not set), so the desktop app "
    "cannot open; the headless commands still work (nnsim --help lists them); to run the app "
    "without a screen, start it as QT_QPA_PLATFORM=offscreen nnsim, or under xvfb-run nnsim"
)


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the process's arguments) and run; returns the exit code.

    The first argument is a command, an option (--help, --version), or the scenario file to
    open in the desktop app: an existing .json file or the name of a shipped preset. Anything
    else is refused in one line, so that a mistyped command never opens a window."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv and (argv[0] in COMMANDS or argv[0].startswith("-")):
        args = parser.parse_args(argv)  # exits 0 after --help and --version, 2 on a usage error
        if args.command is None:
            return launch_gui([], parser)
        try:
            return run_command(args)
        except Exception as exc:  # the last line of defence: one line, no traceback
            print(f"nnsim: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_FAILURE
    if not argv:
        return launch_gui([], parser)
    path = scenario_to_open(argv[0])
    if path is None:
        commands = ", ".join(COMMANDS)
        print(
            f"nnsim: {argv[0]!r} is not a command, nor a scenario file (.json) or preset to open; "
            f"the commands are {commands} (nnsim --help)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if len(argv) > 1:
        print(
            f"nnsim: the desktop app opens one scenario file; {argv[1]!r} is one too many "
            "(nnsim --help)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return launch_gui([str(path)], parser)


def scenario_to_open(text: str) -> Path | None:
    """Return the file the desktop app should open for the argument `text`: an existing regular
    file whose name ends in .json, else the shipped preset of that name; None for anything else
    (a mistyped command, a missing file, a folder)."""
    from .resources import preset_path

    path = Path(text)
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return preset_path(text)
    if stat.S_ISREG(mode) and path.name.lower().endswith(".json"):
        return path
    return None


def display_missing() -> bool:
    """Whether Qt would find no display: on Linux and other X11/Wayland systems, neither DISPLAY
    nor WAYLAND_DISPLAY is set and no platform (QT_QPA_PLATFORM, e.g. offscreen) is chosen.
    Qt would then abort with its plugin list instead of a sentence."""
    if sys.platform in ("win32", "darwin"):
        return False
    return not any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    )


def launch_gui(argv: list[str], parser) -> int:
    """Open the desktop app (on the scenario file given, if any)."""
    import importlib.util

    if display_missing():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return EXIT_BAD_INPUT
    if importlib.util.find_spec("simulator.ui.app") is None:
        print("nnsim: the desktop app is not part of this build yet; the headless commands are:")
        parser.print_help()
        return 0
    try:
        from .ui.app import run_app
    except ImportError as exc:  # an install without its GUI dependencies
        print(
            f"nnsim: the desktop app cannot start: {exc}; it needs PySide6 and pyqtgraph "
            "(installing nnsim with its dependencies brings them); the headless commands "
            "still work",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main())
