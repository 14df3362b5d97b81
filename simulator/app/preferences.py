"""The user's preferences (window geometry, recent files, last folder, number precision, weights
written on the canvas, the zoom level, where and how often crash-recovery autosaves go), kept
with QSettings behind typed reads with one table of defaults."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

DEFAULTS: dict[str, object] = {
    "window/geometry": QByteArray(),
    "window/state": QByteArray(),
    "files/recent": [],
    "files/last_folder": "",
    "display/digits": 4,
    # Small networks show every weight on its edge, like a textbook drawing, unless turned off.
    "display/weights_on_edges": True,
    # Text, canvas and plots scaled together (1.0: the platform's own size); for a projector.
    "display/zoom": 1.0,
    # Empty: the platform's application data folder (see recovery_folder).
    "recovery/folder": "",
    "recovery/autosave_seconds": 5.0,
}
# An autosave every few seconds at most: each one serialises the whole state.
MIN_AUTOSAVE_SECONDS = 0.2
MAX_AUTOSAVE_SECONDS = 3600.0
MAX_RECENT = 8
# From small print on a laptop to a projector at the back of a classroom.
MIN_ZOOM = 0.75
MAX_ZOOM = 2.0


class Preferences:
    """Typed access to the settings; `path` points them at an INI file (tests use a temporary
    one), otherwise the platform's usual place for nnsim."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        if path is None:
            self._settings = QSettings("nnsim", "nnsim")
        else:
            self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def _value(self, key: str):
        return self._settings.value(key, DEFAULTS[key])

    def geometry(self) -> QByteArray:
        value = self._value("window/geometry")
        return value if isinstance(value, QByteArray) else QByteArray()

    def window_state(self) -> QByteArray:
        value = self._value("window/state")
        return value if isinstance(value, QByteArray) else QByteArray()

    def set_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._settings.setValue("window/geometry", geometry)
        self._settings.setValue("window/state", state)

    def recent_files(self) -> list[str]:
        value = self._value("files/recent")
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        return [str(v) for v in (value or [])][:MAX_RECENT]

    def add_recent_file(self, path: Path) -> list[str]:
        text = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != text]
        recent.insert(0, text)
        recent = recent[:MAX_RECENT]
        self._settings.setValue("files/recent", recent)
        self._settings.setValue("files/last_folder", str(Path(text).parent))
        return recent

    def remove_recent_file(self, path: str) -> None:
        self._settings.setValue("files/recent", [p for p in self.recent_files() if p != path])

    def last_folder(self) -> str:
        return str(self._value("files/last_folder") or "")

    def digits(self) -> int:
        try:
            return max(1, min(17, int(self._value("display/digits"))))
        except (TypeError, ValueError):
            return int(DEFAULTS["display/digits"])

    def set_digits(self, digits: int) -> None:
        self._settings.setValue("display/digits", int(digits))

    def weights_on_edges(self) -> bool:
        value = self._value("display/weights_on_edges")
        if isinstance(value, str):  # an INI file hands booleans back as text
            return value.strip().lower() not in ("false", "0", "no", "off")
        return bool(value)

    def set_weights_on_edges(self, shown: bool) -> None:
        self._settings.setValue("display/weights_on_edges", bool(shown))

    def zoom(self) -> float:
        """The zoom level, MIN_ZOOM..MAX_ZOOM (1.0 is 100 %)."""
        try:
            zoom = float(self._value("display/zoom"))
        except (TypeError, ValueError):
            zoom = float(DEFAULTS["display/zoom"])
        if zoom != zoom:  # NaN from a hand-edited file
            zoom = float(DEFAULTS["display/zoom"])
        return min(MAX_ZOOM, max(MIN_ZOOM, zoom))

    def set_zoom(self, zoom: float) -> None:
        self._settings.setValue("display/zoom", float(zoom))

    def recovery_folder(self) -> Path:
        """Where crash-recovery autosaves go: the "recovery/folder" setting when set; beside the
        settings file when the settings were given one (tests, a portable set-up), so that they
        never land in the user's own folder; else "recovery" in the platform's application data
        folder (QStandardPaths.AppDataLocation)."""
        chosen = str(self._value("recovery/folder") or "")
        if chosen:
            return Path(chosen)
        if self._path is not None:
            return Path(self._path).parent / "recovery"
        location = QStandardPaths.StandardLocation.AppDataLocation
        return Path(QStandardPaths.writableLocation(location)) / "recovery"

    def set_recovery_folder(self, folder: Path | None) -> None:
        self._settings.setValue("recovery/folder", "" if folder is None else str(folder))

    def autosave_seconds(self) -> float:
        """Seconds between two autosaves of a changed scenario."""
        try:
            seconds = float(self._value("recovery/autosave_seconds"))
        except (TypeError, ValueError):
            seconds = float(DEFAULTS["recovery/autosave_seconds"])
        return min(MAX_AUTOSAVE_SECONDS, max(MIN_AUTOSAVE_SECONDS, seconds))

    def set_autosave_seconds(self, seconds: float) -> None:
        self._settings.setValue("recovery/autosave_seconds", float(seconds))

    def sync(self) -> None:
        self._settings.sync()
