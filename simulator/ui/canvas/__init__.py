"""The network canvas's parts that can be tested alone: label placement (pure geometry) and the
layer that paints the labels."""
