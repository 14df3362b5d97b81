"""Entry point of `nnsim` and `python -m simulator`: headless commands, or the desktop app."""

from __future__ import annotations

import sys

from .cli import COMMANDS, EXIT_FAILURE, build_parser, run_command


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the process's arguments) and run; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
        args = parser.parse_args(argv)
        try:
            return run_command(args)
        except Exception as exc:  # the last line of defence: one line, no traceback
            print(f"nnsim: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_FAILURE
    return launch_gui(argv, parser)


def launch_gui(argv: list[str], parser) -> int:
    """Open the desktop app (on the scenario file given, if any)."""
    import importlib.util

    if importlib.util.find_spec("simulator.ui.app") is None:
        print("nnsim: the desktop app is not part of this build yet; the headless commands are:")
        parser.print_help()
        return 0
    from .ui.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main())
