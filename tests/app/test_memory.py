"""The memory estimate: what a scenario needs, the machine's limit, and a refusal before any
large array is made."""

import json
import time
import tracemalloc

import pytest
from wide_scenario import wide_scenario

from simulator.app import memory
from simulator.app.scenario import scenario_from_dict
from simulator.app.session import Simulation, load_dataset
from simulator.app.storage import ScenarioError, load_scenario
from simulator.engine.network import CHUNK_CELLS
from simulator.resources import scenarios_dir

WIDE = wide_scenario(batch_size=10)


def _wide(tmp_path, batch_size=10):
    scenario = json.loads(json.dumps(WIDE))
    scenario["training"]["batch_size"] = batch_size
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(scenario, separators=(",", ":")))
    return path


def _estimate(path):
    scenario = load_scenario(path)
    return memory.estimate(scenario, memory.data_shape(scenario))


def test_the_wide_scenario_is_a_small_file(tmp_path):
    assert len(_wide(tmp_path).read_bytes()) < 400


def test_100k_samples_by_4096_units_need_no_samples_by_units_array(tmp_path):
    needs = _estimate(_wide(tmp_path))
    one_pass = 8 * 80_000 * 4096  # z of the hidden layer over the training set at once: 2.6 GB
    assert needs.total < one_pass / 2
    whole_data = next(part for part in needs.parts if part.what.startswith("a pass over"))
    assert whole_data.bytes < 4 * 8 * CHUNK_CELLS
    assert "1,023 samples at a time" in whole_data.what


def test_a_batch_of_the_whole_training_set_is_what_makes_it_large(tmp_path):
    needs = _estimate(_wide(tmp_path, batch_size=100_000))
    assert needs.total > 4 * 8 * 80_000 * 4096  # z, a, δ and scratch of 80,000 × 4,096
    assert needs.largest.what == "the training batches (80,000 samples × 4,097 units)"
    assert "training.batch_size" in needs.largest.reduce


def test_a_generator_has_its_samples_split_as_the_loader_splits_them():
    scenario = scenario_from_dict(
        {**WIDE, "data": {**WIDE["data"], "samples": 7, "train_fraction": 0.5}}, source=None
    )
    loaded = load_dataset(scenario)
    shape = memory.data_shape(scenario)
    assert (shape.train, shape.test) == (len(loaded.train_inputs), len(loaded.test_inputs))


def test_csv_text_is_measured_by_its_lines_and_header():
    scenario = load_scenario(scenarios_dir() / "iris.json")
    text = "a,b,c,species\n" + "1,2,3,x\n" * 10
    shape = memory.csv_data_shape(scenario, text)
    assert (shape.train + shape.test, shape.raw_columns) == (10, 3)
    assert shape.csv_bytes == len(text)


def test_simulation_refuses_in_well_under_a_second_without_allocating(tmp_path, monkeypatch):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "4GB")
    scenario = load_scenario(_wide(tmp_path, batch_size=100_000))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ScenarioError) as caught:
            Simulation(scenario)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 1.0
    assert peak < 20_000_000
    message = str(caught.value)
    needed = memory.estimate(scenario, memory.data_shape(scenario)).total
    assert needed > 10 * 1000**3
    assert message.startswith(f"wide.json: needs about {memory.format_bytes(needed)} of memory")
    assert "more than the 4.0 GB it may use (NNSIM_MEMORY_LIMIT=4GB)" in message
    assert "the training batches (80,000 samples × 4,097 units)" in message
    assert message.endswith("reduce training.batch_size or the layers' units")
    assert "\n" not in message


def test_the_limit_is_a_share_of_the_available_memory(monkeypatch):
    monkeypatch.delenv(memory.LIMIT_VARIABLE, raising=False)
    monkeypatch.setattr(memory, "_available_memory", lambda: 10_000_000_000)
    limit, source = memory.memory_limit()
    assert limit == 8_000_000_000
    assert source == "80% of the 10.0 GB available"


def test_the_limit_falls_back_where_available_memory_cannot_be_read(monkeypatch):
    monkeypatch.delenv(memory.LIMIT_VARIABLE, raising=False)
    monkeypatch.setattr(memory, "_available_memory", lambda: None)
    assert memory.memory_limit()[0] == memory.FALLBACK_LIMIT


@pytest.mark.skipif(not memory.Path("/proc/meminfo").exists(), reason="Linux's /proc/meminfo")
def test_the_available_memory_is_read_from_proc_meminfo():
    available = memory._available_memory()
    assert available is not None
    assert 0 < available < 1 << 50


@pytest.mark.parametrize(
    ("text", "size"),
    [("123", 123), ("512MB", 512_000_000), ("2 GiB", 2 * 1024**3), ("1.5G", 1_500_000_000)],
)
def test_the_limit_variable_takes_sizes(monkeypatch, text, size):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, text)
    assert memory.memory_limit()[0] == size


def test_a_limit_variable_that_is_not_a_size_is_refused_by_name(monkeypatch):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "lots")
    with pytest.raises(memory.MemoryLimitError, match="NNSIM_MEMORY_LIMIT='lots'"):
        memory.memory_limit()


def test_figures_that_would_look_equal_are_given_in_bytes(tmp_path, monkeypatch):
    scenario = load_scenario(_wide(tmp_path))
    shape = memory.data_shape(scenario)
    total = memory.estimate(scenario, shape).total
    monkeypatch.setenv(memory.LIMIT_VARIABLE, str(total - 1))
    with pytest.raises(memory.MemoryLimitError) as caught:
        memory.check(scenario, shape)
    assert f"needs about {total:,} bytes" in str(caught.value)
    assert f"more than the {total - 1:,} bytes" in str(caught.value)


@pytest.mark.parametrize("path", sorted(scenarios_dir().glob("*.json")), ids=lambda p: p.stem)
def test_every_preset_is_evaluated_in_one_pass_and_fits_easily(path):
    # Below CHUNK_CELLS evaluation and prediction run as they always did: bit for bit the same.
    scenario = load_scenario(path)
    simulation = Simulation(scenario)
    width = sum(simulation.network.sizes[1:])
    for inputs in (simulation.data.train_inputs, simulation.data.test_inputs):
        assert len(inputs) * width <= CHUNK_CELLS
    shape = memory.DataShape(
        len(simulation.data.train_inputs),
        len(simulation.data.test_inputs),
        len(simulation.data.raw_names),
    )
    assert memory.estimate(scenario, shape).total < 100_000_000
