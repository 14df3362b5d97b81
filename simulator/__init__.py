"""nnsim: a neural-network simulator for learners. Importing the package stays cheap and Qt-free."""

__version__ = "0.1.0"
