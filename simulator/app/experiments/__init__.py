"""Experiments on runs: checkpoints to rewind to and branch from, and races of variants."""
