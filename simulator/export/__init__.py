"""Exports: what nnsim writes for use outside the app, one module per target, called alike by
the command line and the GUI (handout.py: the worked-example page of one step)."""
