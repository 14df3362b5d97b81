"""The main window's actions declared once: text, slot, keys, menu, toolbar, tooltip and what the
help's key table says, so that a shortcut or a menu entry is stated in one place."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtGui import QKeySequence

MENUS = ("File", "Edit", "Training", "View", "Help")


@dataclass(frozen=True)
class ActionSpec:
    """One action of the main window.

    `name` gives the window's attribute (`<name>_action`); `slot` names the window's method (a
    dotted path such as "step_through.next_stage" reaches into a child). `keys` are shortcuts as
    QKeySequence reads them ("Ctrl+S", "Space") or standard keys; the first is shown in menus and
    tooltips. `menu` and `toolbar` say where it appears; `group` starts a new group there (a
    separator before it). A menu of the form "File/Export" is a submenu, made where its first
    action comes (after a separator if that action starts a group). `help` is the key table's
    description; actions sharing one row of it name it once, on the first, and say `help_with`
    on the others.
    """

    name: str
    text: str
    slot: str
    keys: tuple[str | QKeySequence.StandardKey, ...] = ()
    tip: str = ""
    menu: str | None = None
    toolbar: bool = False
    group: bool = False
    toolbar_group: bool = False
    checkable: bool = False
    help: str | None = None
    help_with: str | None = None


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "preset",
        "New from preset…",
        "_on_preset_triggered",
        (QKeySequence.StandardKey.New,),
        "Choose a preset scenario to start from",
        menu="File",
        help="new from a preset",
    ),
    ActionSpec(
        "new_from_data",
        "New from data…",
        "_on_new_from_data_triggered",
        ("Ctrl+Shift+N",),
        "Make a scenario from a table: a CSV or TSV file, or an .xlsx workbook",
        menu="File",
        help="new from data (a CSV, TSV or .xlsx table; or drop the file on the window)",
    ),
    ActionSpec(
        "open",
        "Open…",
        "_on_open_triggered",
        (QKeySequence.StandardKey.Open,),
        menu="File",
        help="open / save / save as",
    ),
    ActionSpec(
        "save",
        "Save",
        "_on_save_triggered",
        (QKeySequence.StandardKey.Save,),
        menu="File",
        group=True,
        help_with="open",
    ),
    ActionSpec(
        "save_as",
        "Save as…",
        "_on_save_as_triggered",
        ("Ctrl+Shift+S",),
        menu="File",
        help_with="open",
    ),
    ActionSpec(
        "save_with_history",
        "Save with training history…",
        "_on_save_with_history_triggered",
        (),
        "Save with the run's checkpoints, so that whoever opens the file can scrub back "
        "through the training and continue from any of them (a larger file; Save stays small)",
        menu="File",
    ),
    ActionSpec(
        "export_data",
        "Data as CSV…",
        "exports.on_export_data_triggered",
        (),
        "Write the training and test data to a CSV file: the raw columns, the network's inputs "
        "(scaled, with derived features) and the targets, one row per sample",
        menu="File/Export",
        group=True,
    ),
    ActionSpec(
        "export_picture",
        "Picture…",
        "exports.on_export_picture_triggered",
        (),
        "Save the network canvas, the data view, the loss chart (PNG or SVG) or the whole "
        "window (PNG) as a picture, for slides or print",
        menu="File/Export",
    ),
    ActionSpec(
        "export_handout",
        "Worked example…",
        "_on_export_handout_triggered",
        (),
        "Write the step being walked through, every stage with its numbers, words and picture, "
        "as a handout: an HTML page and a PDF beside it (while a step-through is open)",
        menu="File/Export",
    ),
    ActionSpec(
        "export_pytorch",
        "PyTorch…",
        "_on_export_pytorch_triggered",
        (),
        "Write a PyTorch project into a folder: model.py (the network and a training loop that "
        "trains as nnsim does), the weights, the data and a README",
        menu="File/Export",
    ),
    ActionSpec(
        "import_weights",
        "Import weights…",
        "_on_import_weights_triggered",
        (),
        "Load weights trained elsewhere (a safetensors state dict of Linear layers, as the "
        "PyTorch export's model.py --save writes) into this network; Undo takes them back",
        menu="File",
    ),
    ActionSpec("quit", "Quit", "close", (QKeySequence.StandardKey.Quit,), menu="File", group=True),
    ActionSpec(
        "undo",
        "Undo",
        "_on_undo_triggered",
        ("Ctrl+Z",),
        menu="Edit",
        help="undo / redo the last change",
    ),
    # Both of the usual redo keys: Ctrl+Y is what many learners know from office programs.
    ActionSpec(
        "redo",
        "Redo",
        "_on_redo_triggered",
        ("Ctrl+Shift+Z", "Ctrl+Y"),
        menu="Edit",
        help_with="undo",
    ),
    ActionSpec(
        "paste_table",
        "Paste table…",
        "_on_paste_table_triggered",
        ("Ctrl+Shift+V",),
        "Make a scenario from a table copied from a spreadsheet",
        menu="Edit",
        group=True,
        help="new from a table copied from a spreadsheet",
    ),
    ActionSpec(
        "play",
        "Play",
        "_on_play_triggered",
        ("Space",),
        "Train continuously",
        menu="Training",
        toolbar=True,
        help="play / pause",
    ),
    ActionSpec(
        "step",
        "Step",
        "_on_step_triggered",
        ("Right",),
        "Train on one mini-batch",
        menu="Training",
        toolbar=True,
        help="one step (one mini-batch)",
    ),
    ActionSpec(
        "epoch",
        "Step epoch",
        "_on_step_epoch_triggered",
        ("Shift+Right",),
        "Train on every mini-batch once",
        menu="Training",
        toolbar=True,
        help="one epoch (every training sample once)",
    ),
    ActionSpec(
        "reset",
        "Reset",
        "_on_reset_triggered",
        ("R",),
        "Back to the initial weights, epoch 0",
        menu="Training",
        toolbar=True,
        toolbar_group=True,
        help="reset to the initial weights (same seed, same weights)",
    ),
    ActionSpec(
        "new_weights",
        "New weights",
        "_on_new_weights_triggered",
        ("Shift+R",),
        "Draw fresh initial weights with a new seed",
        menu="Training",
        toolbar=True,
        help="new initial weights",
    ),
    ActionSpec(
        "continue_here",
        "Continue from here",
        "_on_continue_here_triggered",
        (),
        "Train on from the epoch on show, as the run did from there (with any setting changed "
        "since); what came after it stays on the chart, faded, until Reset",
        menu="Training",
    ),
    ActionSpec(
        "walk",
        "Step through…",
        "_on_walk_triggered",
        ("T",),
        "Walk through one training step on the selected sample, stage by stage",
        menu="Training",
        toolbar=True,
        group=True,
        toolbar_group=True,
        help="step through one training step; then → / ← for the next / previous stage",
    ),
    ActionSpec(
        "compare",
        "Compare variants…",
        "_on_compare_triggered",
        ("Ctrl+Shift+C",),
        "Race up to six variants of this scenario that differ in one setting, side by side",
        menu="Training",
        group=True,
        help="compare variants (a race of up to six, one setting apart)",
    ),
    # → and ← move through the stages while walking; the training step (→) is off then.
    ActionSpec("walk_next", "Next stage", "step_through.next_stage", ("Right",), "Next stage"),
    ActionSpec(
        "walk_previous",
        "Previous stage",
        "step_through.previous_stage",
        ("Left",),
        "Previous stage",
    ),
    ActionSpec(
        "weights_on_edges",
        "Weights on edges",
        "_on_weights_on_edges_toggled",
        (),
        "Write every weight on its edge and every bias beside its neuron. Only on networks of "
        "at most {edge_limit} weights: larger ones are not affected.",
        menu="View",
        checkable=True,
    ),
    ActionSpec(
        "ask",
        "Ask the network",
        "_on_ask_triggered",
        ("A",),
        "Type or pick a value for each input and read the network's answer at once",
        menu="View",
        checkable=True,
        help="show / hide Ask the network",
    ),
    # Ctrl+= too: on most keyboards + needs Shift, and Ctrl+Shift+= is not always Ctrl++.
    ActionSpec(
        "zoom_in",
        "Zoom in",
        "_on_zoom_in_triggered",
        (QKeySequence.StandardKey.ZoomIn, "Ctrl+="),
        "Larger text, canvas and plots",
        menu="View",
        group=True,
        help="zoom in / out / actual size (for a projector)",
    ),
    ActionSpec(
        "zoom_out",
        "Zoom out",
        "_on_zoom_out_triggered",
        (QKeySequence.StandardKey.ZoomOut,),
        "Smaller text, canvas and plots",
        menu="View",
        help_with="zoom_in",
    ),
    ActionSpec(
        "zoom_reset",
        "Actual size",
        "_on_zoom_reset_triggered",
        ("Ctrl+0",),
        "Back to 100 %",
        menu="View",
        help_with="zoom_in",
    ),
    ActionSpec(
        "samples",
        "Samples table",
        "_on_samples_toggled",
        ("Ctrl+D",),
        "Every training and test sample with the network's prediction, sortable; select a row "
        "to find its point in the data view, click a point to find its row",
        menu="View",
        group=True,
        checkable=True,
        help="show or hide the samples table",
    ),
    ActionSpec(
        "full_screen",
        "Full screen",
        "_on_full_screen_triggered",
        ("F11",),
        "The window over the whole screen, for presenting",
        menu="View",
        checkable=True,
        help="full screen",
    ),
    ActionSpec("help", "Help", "_on_help_triggered", ("F1",), menu="Help", help="this help"),
)


def key_sequences(spec: ActionSpec) -> list[QKeySequence]:
    """Return the shortcuts of `spec` as key sequences (standard keys expanded)."""
    sequences: list[QKeySequence] = []
    for key in spec.keys:
        if isinstance(key, QKeySequence.StandardKey):
            sequences.extend(QKeySequence.keyBindings(key)[:1])
        else:
            sequences.append(QKeySequence(key))
    return sequences


def shown_keys(spec: ActionSpec) -> str:
    """The first shortcut of `spec` as people read it ("Ctrl+S", "→"), or ""."""
    sequences = key_sequences(spec)
    if not sequences:
        return ""
    text = sequences[0].toString(QKeySequence.SequenceFormat.NativeText)
    return text.replace("Right", "→").replace("Left", "←").replace("-", "−")


def tooltip(spec: ActionSpec, **values: object) -> str:
    """The tooltip of `spec`: its tip (with {placeholders} filled from `values`) and its key."""
    tip = spec.tip.format(**values) if spec.tip else ""
    keys = shown_keys(spec)
    if tip and keys:
        return f"{tip} ({keys})"
    return tip


def key_table_html() -> str:
    """The help's table of keys, one row per `help` entry with the keys of its `help_with`s."""
    rows = []
    for spec in ACTIONS:
        if spec.help is None:
            continue
        sharing = [spec, *(s for s in ACTIONS if s.help_with == spec.name)]
        keys = " / ".join(k for k in (shown_keys(s) for s in sharing) if k)
        rows.append(
            f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(spec.help)}</td></tr>"
        )
    return '<table cellpadding="3">\n' + "\n".join(rows) + "\n</table>"
