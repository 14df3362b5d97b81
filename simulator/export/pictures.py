"""Pictures of the app's views: PNG at a chosen scale (for print) and SVG, written atomically
through QSaveFile. Qt: imported by the GUI only."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSaveFile, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsPathItem, QWidget

PNG, SVG = "png", "svg"
FORMATS = (PNG, SVG)
SCALES = (1, 2, 3, 4)
# The resolution a PNG states for a scale of 1: the usual screen's, so that a print keeps the
# on-screen size and a larger scale gives a sharper print of the same size.
SCREEN_DPI = 96.0
_INCHES_PER_METRE = 1 / 0.0254


class PictureError(Exception):
    """A picture that could not be made or written; str() is one sentence naming the file."""


def png_image(
    parts: Sequence[QWidget], scale: float = 1.0, *, hide: Sequence[QWidget] = ()
) -> QImage:
    """Paint the widgets `parts` (one view, or a view's pieces as they sit in their window)
    into one image, `scale` × the device pixel ratio pixels per widget unit; the widgets `hide`
    (controls) are left out. Out: a QImage of (width × factor, height × factor) pixels, its
    resolution set so that it prints at the on-screen size."""
    parts = _shown(parts)
    bounds = _bounds(parts)
    factor = scale * parts[0].devicePixelRatioF()
    size = QSize(max(1, round(bounds.width() * factor)), max(1, round(bounds.height() * factor)))
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(_background(parts[0]))
    dots = round(SCREEN_DPI * factor * _INCHES_PER_METRE)
    image.setDotsPerMeterX(dots)
    image.setDotsPerMeterY(dots)
    painter = QPainter(image)
    try:
        painter.scale(factor, factor)
        _paint(painter, parts, bounds, hide)
    finally:
        painter.end()
    return image


def png_bytes(
    parts: Sequence[QWidget], scale: float = 1.0, *, hide: Sequence[QWidget] = ()
) -> bytes:
    """Return the PNG file of `png_image(parts, scale, hide=hide)`."""
    image = png_image(parts, scale, hide=hide)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise PictureError("the picture could not be encoded as PNG")
    return bytes(buffer.data().data())


def svg_bytes(
    parts: Sequence[QWidget], *, title: str = "nnsim", hide: Sequence[QWidget] = ()
) -> bytes:
    """Return `parts` painted as an SVG file: lines, neurons and text as vector shapes (heatmaps
    stay images), width and height in widget units."""
    parts = _shown(parts)
    bounds = _bounds(parts)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(bounds.size())
    generator.setViewBox(QRect(QPoint(0, 0), bounds.size()))
    generator.setResolution(round(SCREEN_DPI))
    generator.setTitle(title)
    generator.setDescription("Exported from nnsim")
    painter = QPainter(generator)
    try:
        painter.fillRect(QRect(QPoint(0, 0), bounds.size()), _background(parts[0]))
        _paint(painter, parts, bounds, hide)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def covered_size(parts: Sequence[QWidget]) -> QSize:
    """The size, in widget units, of the rectangle the shown `parts` cover in their window (a
    PNG at scale k has k × that many pixels, times the device pixel ratio). Raises PictureError
    when none is shown."""
    return _bounds(_shown(parts)).size()


def save_picture(
    parts: Sequence[QWidget],
    path: Path,
    picture_format: str,
    scale: float = 1.0,
    *,
    hide: Sequence[QWidget] = (),
) -> None:
    """Write `parts` (less the widgets `hide`) to `path` as PNG (at `scale`) or SVG, atomically:
    the file is whole or untouched. Raises PictureError naming the file."""
    path = Path(path)
    if picture_format == PNG:
        data = png_bytes(parts, scale, hide=hide)
    elif picture_format == SVG:
        data = svg_bytes(parts, title=path.stem, hide=hide)
    else:
        raise PictureError(f"{path.name}: unknown picture format {picture_format!r}")
    write_file(path, data)


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` through QSaveFile (a temporary file committed by rename); on any
    failure nothing is left and PictureError names the file and the reason."""
    path = Path(path)
    file = QSaveFile(str(path))
    if not file.open(QIODevice.OpenModeFlag.WriteOnly):
        raise PictureError(f"{path.name}: could not save: {file.errorString()}")
    written = file.write(QByteArray(data))
    if written != len(data):
        reason = file.errorString()
        file.cancelWriting()
        file.commit()  # discards the temporary file
        raise PictureError(f"{path.name}: could not save: {reason}")
    if not file.commit():
        raise PictureError(f"{path.name}: could not save: {file.errorString()}")


# ----- painting --------------------------------------------------------------------------------


def _shown(parts: Sequence[QWidget]) -> list[QWidget]:
    shown = [part for part in parts if part.isVisible() and not part.size().isEmpty()]
    if not shown:
        raise PictureError("the view to export is not shown")
    return shown


def _bounds(parts: Sequence[QWidget]) -> QRect:
    """The rectangle the parts cover in their window's coordinates."""
    bounds = QRect()
    for part in parts:
        bounds = bounds.united(_place(part))
    return bounds


def _place(part: QWidget) -> QRect:
    window = part.window()
    origin = part.mapTo(window, QPoint(0, 0)) if part is not window else QPoint(0, 0)
    return QRect(origin, part.size())


def _background(widget: QWidget) -> QColor:
    role = QPalette.ColorRole.Window if widget.isWindow() else QPalette.ColorRole.Base
    return widget.palette().color(role)


def _paint(
    painter: QPainter, parts: Sequence[QWidget], bounds: QRect, hide: Sequence[QWidget]
) -> None:
    with _hidden(hide):
        for part in parts:
            _paint_part(painter, part, bounds)


@contextlib.contextmanager
def _hidden(widgets: Sequence[QWidget]) -> Iterator[None]:
    """Hide the shown `widgets` (controls that mean nothing on paper) while painting; they keep
    their places, so nothing else moves."""
    shown = [widget for widget in widgets if widget.isVisible()]
    try:
        for widget in shown:
            widget.setVisible(False)
        yield
    finally:
        for widget in shown:
            widget.setVisible(True)


def _paint_part(painter: QPainter, part: QWidget, bounds: QRect) -> None:
    offset = _place(part).topLeft() - bounds.topLeft()
    with _export_mode(part, painter):
        painter.save()
        painter.translate(offset)
        # QWidget's render: QGraphicsView hides it behind a scene-rendering overload.
        # A view without the window's grey behind it: the picture's own (the views' base
        # colour, white in the usual theme) shows behind its labels, as on paper. A whole
        # window is painted as it looks.
        flags = QWidget.RenderFlag.DrawChildren
        if part.isWindow():
            flags |= QWidget.RenderFlag.DrawWindowBackground
        QWidget.render(part, painter, QPoint(0, 0), QRegion(), flags)
        painter.restore()


@contextlib.contextmanager
def _export_mode(part: QWidget, painter: QPainter) -> Iterator[None]:
    """Tell the pyqtgraph items inside `part` that they are drawn for export, as pyqtgraph's own
    exporters do: scatter points are then drawn as shapes (not copied from a screen-resolution
    cache, which would blur when scaled), and views draw antialiased."""
    views = [part] if isinstance(part, pg.GraphicsView) else []
    views += part.findChildren(pg.GraphicsView)
    # resolutionScale stays 1: QWidget.render keeps the painter's scale in a transform that
    # pyqtgraph's resetTransform does not undo, so pixel-sized symbols grow with it already.
    options = {"antialias": True, "painter": painter, "resolutionScale": 1.0}
    items = [
        item for view in views for item in view.scene().items() if hasattr(item, "setExportMode")
    ]
    # An empty path item would be written as <path d=""/>, which SVG readers warn about.
    empty = [
        item
        for view in views
        for item in view.scene().items()
        if isinstance(item, QGraphicsPathItem) and item.isVisible() and item.path().isEmpty()
    ]
    hints = [(view, view.renderHints()) for view in views]
    try:
        for view, _ in hints:
            view.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for item in items:
            item.setExportMode(True, dict(options))
        for item in empty:
            item.setVisible(False)
        yield
    finally:
        for item in empty:
            item.setVisible(True)
        for item in items:
            item.setExportMode(False)
        for view, old in hints:
            view.setRenderHints(old)
