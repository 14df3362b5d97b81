"""Exports out of nnsim, one module per target, called alike by the command line and the GUI:
`pytorch` (a PyTorch project that trains as nnsim does) and the way back, `weights_import`;
`data_csv` (the training and test data as CSV); `handout` and `handout_svg` (the worked-example
page of one step); all Qt-free. `pictures` (PNG and SVG of the views) needs Qt: the GUI alone
imports it. Importing this package loads none of them."""
