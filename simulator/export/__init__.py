"""Exports out of nnsim, one module per target: `data_csv` (the training and test data as CSV,
Qt-free, for the CLI and the GUI) and `pictures` (PNG and SVG of the views; Qt, GUI only).
Importing this package loads neither."""
