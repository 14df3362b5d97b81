"""Test set-up shared by every suite: Qt renders offscreen."""

import os

# Must be set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
