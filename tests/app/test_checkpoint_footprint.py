"""The memory measurement of checkpoints reports what the store kept and the process's memory."""

from simulator.app.experiments.footprint import measure, resident_mb


def test_measure_reports_the_kept_checkpoints_and_memory():
    figures = measure("x1-x2-worked-example", 40)
    assert figures["checkpoints_kept"] == 41  # epoch 0 and every epoch end
    assert figures["checkpoint_stride"] == 1
    assert figures["rss_after_mb"] > 0
    without = measure("x1-x2-worked-example", 40, keep=False)
    assert without["checkpoints_kept"] == 1


def test_resident_memory_is_read_from_the_process():
    now, peak = resident_mb()
    assert 0 < now <= peak
