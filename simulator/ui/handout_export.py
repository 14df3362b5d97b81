"""File → Export worked example…: the step being walked through as the handout page
(simulator.export.handout, the page `nnsim trace --html` writes) and as a PDF beside it.

The PDF is the same page laid out by QTextDocument, which draws no inline SVG: each stage's
picture is rendered to an image by QSvgRenderer and given to the document as a resource, and
each stage starts a new page.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QRectF, QSaveFile, QSizeF, QUrl
from PySide6.QtGui import (
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtSvg import QSvgRenderer

from ..app.files.errors import ScenarioError
from ..export.handout import handout_html, write_handout

# The PDF: A4 with 15 mm margins, laid out at screen resolution (so that the page's pixel sizes
# read as they do in a browser), its pictures rendered at twice that for print.
PDF_RESOLUTION = 96
PDF_MARGIN_MM = 15
PICTURE_SCALE = 2
PICTURE_URL = "handout-picture-{index}.png"
PICTURE_INSET = 90
FORMULA_TABLE = (
    '<table width="100%" cellspacing="0" cellpadding="6" border="1" '
    'style="background-color: #F4F7FB; border-color: #D5DEEA; border-style: solid;"><tr><td>'
)


def step_page(panel, scenario: str, picture=None) -> str:
    """The handout of the step `panel` (a StepThroughPanel) walks through, at its digits and
    for its batch sample; `picture` as handout_html takes it."""
    walk_taken = panel.walk
    return handout_html(
        walk_taken.trace,
        panel.names,
        scenario=scenario,
        samples=walk_taken.samples,
        sample=panel.batch_sample,
        digits=panel.digits,
        raw=walk_taken.raw_inputs,
        class_names=panel.class_names(),
        picture=picture,
    )


def pdf_path(html_path: Path) -> Path:
    """Where the PDF goes: beside the page, with the same name."""
    return html_path.with_suffix(".pdf")


def export_worked_example(panel, scenario: str, path: Path) -> tuple[Path, Path]:
    """Write the handout of `panel`'s step to `path` (HTML) and beside it as PDF; return both
    paths. Raises ScenarioError (naming the file) when either cannot be written."""
    write_handout(path, step_page(panel, scenario))
    target = pdf_path(path)
    write_pdf(target, panel, scenario)
    return path, target


def write_pdf(path: Path, panel, scenario: str) -> None:
    """Write the handout of `panel`'s step as a PDF to `path`, atomically (QSaveFile)."""
    saver = QSaveFile(str(path))
    if not saver.open(QSaveFile.OpenModeFlag.WriteOnly):
        raise ScenarioError(path.name, "", f"could not save: {saver.errorString()}")
    writer = QPdfWriter(saver)
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(f"Worked example — {scenario}")
    writer.setCreator("nnsim")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    area = writer.pageLayout().paintRectPixels(PDF_RESOLUTION)
    images: list[QImage] = []

    def picture(index: int, svg: str) -> str:
        # The page's own margins (body margin and padding) come off the printable width.
        image = _picture_image(svg, area.width() - PICTURE_INSET)
        images.append(image)
        size = image.deviceIndependentSize()
        return (
            f'<img src="{PICTURE_URL.format(index=index)}" width="{int(size.width())}" '
            f'height="{int(size.height())}">'
        )

    page = step_page(panel, scenario, picture)
    # Each stage on a page of its own: a handout is read a stage at a time.
    page = page.replace("<h2>", '<h2 style="page-break-before: always;">')
    # QTextDocument draws no border or background around a div: a one-cell table does.
    page = page.replace('<div class="formulas">', FORMULA_TABLE).replace(
        "</div><!-- formulas -->", "</td></tr></table>"
    )
    document = QTextDocument()
    document.setDocumentMargin(0)
    for index, image in enumerate(images):
        document.addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(PICTURE_URL.format(index=index)), image
        )
    document.setPageSize(QSizeF(area.width(), area.height()))
    document.setHtml(page)
    painter = QPainter()
    if not painter.begin(writer):
        saver.cancelWriting()
        raise ScenarioError(path.name, "", "could not save: the PDF could not be started")
    for number in range(document.pageCount()):
        if number:
            writer.newPage()
        painter.save()
        painter.translate(0, -number * area.height())
        document.drawContents(
            painter, QRectF(0, number * area.height(), area.width(), area.height())
        )
        painter.restore()
    painter.end()
    if not saver.commit():
        raise ScenarioError(path.name, "", f"could not save: {saver.errorString()}")


def _picture_image(svg: str, width: float) -> QImage:
    """The picture `svg` drawn into an image no wider than `width` (its own size if narrower),
    at PICTURE_SCALE pixels per point for print, white behind."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = renderer.defaultSize()
    scale = min(1.0, width / size.width())
    shown_w, shown_h = int(size.width() * scale), int(size.height() * scale)
    image = QImage(shown_w * PICTURE_SCALE, shown_h * PICTURE_SCALE, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
    painter.end()
    image.setDevicePixelRatio(PICTURE_SCALE)
    return image
