"""The toolbar's pace of training (a speed slider and "pause at epoch"), and the highlight of the
story's sentence where Play paused."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

from ..app.pacing import DEFAULT_PACE, PACES, pace_index, sentences_naming
from ..app.scenario import Lesson

# Far beyond any lesson, well inside a spin box's int.
MAX_STOP_EPOCH = 10_000_000
# The paragraph the story turns in, and within it the sentence naming the epoch.
PARAGRAPH_TINT = QColor("#fff8dc")
SENTENCE_TINT = QColor("#ffe08a")


class PacingControls(QWidget):
    """Speed as a slider of PACES with its name written beside it, and a spin box for the
    epoch Play pauses at. `pace_changed` carries steps a second (None: flat out),
    `stop_epoch_changed` the epoch (None: never)."""

    pace_changed = Signal(object)
    stop_epoch_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Whether the pace on show is a lesson's (not the learner's own choice): a scenario
        # without a lesson then goes back to the default instead of keeping a story's crawl.
        self._pace_from_lesson = False
        # As wide as its parts, no wider: in a toolbar the slider and spin box would otherwise
        # stretch and scatter the labels from what they label.
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.setSpacing(4)

        speed_label = QLabel("Speed")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("speedSlider")
        self.slider.setRange(0, len(PACES) - 1)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setFixedWidth(90)
        self.slider.setToolTip(
            "How fast training runs while playing, from one step a frame to as fast as the "
            "computer goes. Try the slowest to watch a story unfold step by step, then the "
            "fastest for a long run."
        )
        speed_label.setBuddy(self.slider)
        # The slider's words: the current pace by name, sized for the longest so that the
        # toolbar does not shift when it changes.
        self.pace_label = QLabel()
        self.pace_label.setObjectName("paceLabel")
        metrics = self.pace_label.fontMetrics()
        self.pace_label.setMinimumWidth(
            max(metrics.horizontalAdvance(pace.label) for pace in PACES) + 4
        )

        stop_label = QLabel("Pause at epoch")
        self.stop_spin = QSpinBox()
        self.stop_spin.setObjectName("stopEpochSpin")
        self.stop_spin.setRange(0, MAX_STOP_EPOCH)
        self.stop_spin.setSpecialValueText("never")  # 0
        self.stop_spin.setGroupSeparatorShown(True)
        self.stop_spin.setAccelerated(True)
        self.stop_spin.setToolTip(
            "Play pauses at the end of this epoch, for any scenario (never: only at a "
            "lesson's own stops). Try the epoch a description mentions, to look closely at "
            "the network there."
        )
        stop_label.setBuddy(self.stop_spin)

        layout.addWidget(speed_label)
        layout.addWidget(self.slider)
        layout.addWidget(self.pace_label)
        layout.addSpacing(10)
        layout.addWidget(stop_label)
        layout.addWidget(self.stop_spin)

        self.slider.setValue(pace_index(DEFAULT_PACE))
        self._show_pace(self.slider.value())
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.stop_spin.valueChanged.connect(self._on_stop_spin_value_changed)

    def pace_name(self) -> str:
        """Return the name of the pace on show ("slowest" … "fastest")."""
        return PACES[self.slider.value()].name

    def set_pace(self, name: str) -> None:
        """Show the pace called `name` and send it on, as if the learner had chosen it."""
        self.slider.setValue(pace_index(name))

    def stop_epoch(self) -> int | None:
        return self.stop_spin.value() or None

    def apply_lesson(self, lesson: Lesson | None) -> None:
        """A scenario was opened: take its lesson's pace; without one, go back to the default
        if the pace was a lesson's, else keep the learner's."""
        if lesson is not None and lesson.speed is not None:
            self.slider.setValue(pace_index(lesson.speed))
            self._pace_from_lesson = True
        elif self._pace_from_lesson:
            self.slider.setValue(pace_index(DEFAULT_PACE))
            self._pace_from_lesson = False

    def _show_pace(self, index: int) -> None:
        self.pace_label.setText(PACES[index].label)

    @Slot(int)
    def _on_slider_value_changed(self, index: int) -> None:
        self._pace_from_lesson = False  # the learner's choice, unless apply_lesson says so
        self._show_pace(index)
        self.pace_changed.emit(PACES[index].steps_per_second)

    @Slot(int)
    def _on_stop_spin_value_changed(self, value: int) -> None:
        self.stop_epoch_changed.emit(value or None)


class StoryHighlight(QObject):
    """Tints the sentences of a description pane that name the epoch Play paused at (and their
    paragraphs, more lightly) until training goes on or the text changes."""

    def __init__(self, browser: QTextBrowser) -> None:
        super().__init__(browser)
        self._browser = browser
        browser.textChanged.connect(self.clear)

    def show_epoch(self, epoch: int) -> bool:
        """Tint what names `epoch` and scroll the first such sentence into view. Returns False
        (and clears any tint) when no sentence names it."""
        browser = self._browser
        document = browser.document()
        blocks = []
        block = document.begin()
        while block.isValid():
            blocks.append(block)
            block = block.next()
        found = sentences_naming([b.text() for b in blocks], epoch)
        selections = []
        tinted: set[int] = set()
        for index, start, end in found:
            at = blocks[index].position()
            if index not in tinted:
                tinted.add(index)
                paragraph_end = at + blocks[index].length() - 1
                selections.append(_selection(document, at, paragraph_end, PARAGRAPH_TINT))
            selections.append(_selection(document, at + start, at + end, SENTENCE_TINT))
        browser.setExtraSelections(selections)
        if found:
            index, start, _ = found[0]
            cursor = QTextCursor(document)
            cursor.setPosition(blocks[index].position() + start)
            browser.setTextCursor(cursor)
            # The sentence's first line near the top, one line of what came before above it: the
            # pane is often only a few lines high, and its bottom line is easily missed.
            line = browser.cursorRect(cursor)
            bar = browser.verticalScrollBar()
            bar.setValue(bar.value() + line.top() - line.height())
        return bool(found)

    def tinted_text(self) -> list[str]:
        """Return the text of each tinted stretch, paragraphs and sentences (tests read it)."""
        return [selection.cursor.selectedText() for selection in self._browser.extraSelections()]

    @Slot()
    def clear(self) -> None:
        self._browser.setExtraSelections([])

    @Slot(bool)
    def clear_when_playing(self, playing: bool) -> None:
        if playing:
            self.clear()


def _selection(document: QTextDocument, start: int, end: int, colour: QColor):
    selection = QTextEdit.ExtraSelection()
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    selection.cursor = cursor
    fmt = QTextCharFormat()
    fmt.setBackground(colour)
    selection.format = fmt
    return selection
