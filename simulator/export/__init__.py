"""Exports of a scenario to other tools, one module per target (pytorch.py), and the way back
(weights_import.py); the CLI and the GUI call the same functions. No Qt here."""
