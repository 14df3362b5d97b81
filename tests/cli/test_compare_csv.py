"""`nnsim compare` on a scenario whose data is a CSV beside it: the variants read it there,
whatever the current folder."""

import json

from cli_helpers import strict_json

from simulator.resources import resource_path, scenarios_dir


def test_variants_read_a_csv_beside_the_scenario(run_nnsim, tmp_path):
    folder = tmp_path / "lesson"
    folder.mkdir()
    (folder / "flowers.csv").write_bytes(resource_path("datasets/iris.csv").read_bytes())
    obj = json.loads((scenarios_dir() / "iris.json").read_text())
    obj["data"]["csv"] = "flowers.csv"
    (folder / "mine.json").write_text(json.dumps(obj))
    result = run_nnsim(
        "compare", folder / "mine.json", "--vary", "training.batch_size=5,10",
        "--epochs", "1", "--json", code=0, cwd=tmp_path,
    )  # fmt: skip
    variants = strict_json(result.stdout)
    assert [v["vary"]["training.batch_size"] for v in variants] == [5, 10]
    assert all(v["epochs"] == 1 for v in variants)
