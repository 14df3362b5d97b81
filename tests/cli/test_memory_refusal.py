"""A scenario too large for the machine is refused before it is loaded: one line naming the
memory it needs and what to reduce, exit code 2, at once and without allocating it."""

import json
import sys

import pytest
from cli_helpers import environment
from wide_scenario import wide_scenario

from simulator.app import memory
from simulator.app.storage import load_scenario

WIDE = wide_scenario(batch_size=100_000)


def _limit_address_space():
    import resource

    # Far below the 10 GB that loading this scenario would take: a child that tried would fail
    # with MemoryError at once instead of taking the machine's memory.
    limit = 3 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS bounds memory this way on Linux")
@pytest.mark.parametrize("command", [("train", "--epochs", "1"), ("validate",), ("trace",)])
def test_a_100k_by_4096_scenario_beyond_the_limit_is_refused_in_one_line(
    run_nnsim, tmp_path, command
):
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(WIDE, separators=(",", ":")))
    assert len(path.read_bytes()) < 400
    name, *options = command
    result = run_nnsim(
        name,
        path,
        *options,
        code=2,
        env=environment(NNSIM_MEMORY_LIMIT="4GB", OPENBLAS_NUM_THREADS="1"),
        preexec_fn=_limit_address_space,
        timeout=30,
    )
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    scenario = load_scenario(path)
    needed = memory.estimate(scenario, memory.data_shape(scenario)).total
    assert (
        f"wide.json: needs about {memory.format_bytes(needed)} of memory to load and train" in line
    )
    assert "more than the 4.0 GB it may use (NNSIM_MEMORY_LIMIT=4GB)" in line
    assert "reduce training.batch_size" in line
    assert "MemoryError" not in line
