"""Exports out of nnsim, one module per target, called alike by the command line and the GUI:
`data_csv` (the training and test data as CSV, Qt-free), `pictures` (PNG and SVG of the views;
Qt, GUI only), `handout` and `handout_svg` (the worked-example page of one step, Qt-free).
Importing this package loads none of them."""
