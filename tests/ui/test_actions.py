"""The main window's actions come from one table (simulator/ui/actions.py): its menus, toolbar,
shortcuts, tooltips and the help's key table all follow it."""

import re
import shutil

import pytest
from PySide6.QtWidgets import QToolBar

from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.actions import ACTIONS, MENUS, key_sequences, shown_keys
from simulator.ui.help_text import help_html
from simulator.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    preset = tmp_path / "xor.json"
    shutil.copy(scenarios_dir() / "xor.json", preset)
    main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.controller.mark_saved()
    main.close()
    main.deleteLater()


def test_each_menu_lists_its_declared_actions_in_order(window):
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == list(MENUS)
    for title in MENUS:
        shown = [a for a in menus[title].actions() if not a.isSeparator() and a.menu() is None]
        declared = [getattr(window, f"{s.name}_action") for s in ACTIONS if s.menu == title]
        assert shown == declared, title
        # A menu "File/Export" is a submenu of File holding its actions in declared order.
        submenus = {a.text(): a.menu() for a in menus[title].actions() if a.menu() is not None}
        for path in {s.menu for s in ACTIONS if s.menu and s.menu.startswith(f"{title}/")}:
            inner = [a for a in submenus[path.split("/", 1)[1]].actions() if not a.isSeparator()]
            expected = [getattr(window, f"{s.name}_action") for s in ACTIONS if s.menu == path]
            assert inner == expected, path


def test_the_toolbar_holds_the_declared_actions(window):
    toolbar = window.findChild(QToolBar, "trainingToolbar")
    shown = [a for a in toolbar.actions() if not a.isSeparator() and a.text()]
    declared = [getattr(window, f"{s.name}_action") for s in ACTIONS if s.toolbar]
    assert [a for a in shown if a in declared] == declared


def test_every_shortcut_is_set_on_its_action_and_named_in_the_help(window):
    table = re.sub(r"<[^>]+>", " ", help_html())
    for spec in ACTIONS:
        action = getattr(window, f"{spec.name}_action")
        assert action.shortcuts() == key_sequences(spec), spec.name
        if spec.help is not None or spec.help_with is not None:
            assert shown_keys(spec) in table, spec.name
            assert shown_keys(spec) in action.toolTip() or not spec.tip, spec.name


@pytest.mark.parametrize("walking", [False, True])
def test_no_two_enabled_actions_share_a_key(window, walking):
    # → steps training, and moves through the stages while walking: never both at once.
    window.walk_next_action.setEnabled(walking)
    window.walk_previous_action.setEnabled(walking)
    window.step_action.setEnabled(not walking)
    seen = {}
    for spec in ACTIONS:
        action = getattr(window, f"{spec.name}_action")
        if not action.isEnabled():
            continue
        for sequence in action.shortcuts():
            key = sequence.toString()
            assert key not in seen, f"{key}: {seen.get(key)} and {spec.name}"
            seen[key] = spec.name
