"""The PyTorch export against nnsim, with PyTorch itself: model.py run as a subprocess trains
as `nnsim train` does (1e-9 per epoch), build_model() predicts as nnsim does (1e-12), and
weights trained in PyTorch and imported back predict in nnsim as in PyTorch (1e-12).

Runs only where torch is installed (it is never one of nnsim's dependencies): without it these
tests are reported as SKIPPED, with the reason, in every run's summary (-ra). In a scratch
environment with torch, numpy, safetensors and jsonschema:

    PYTHONPATH=. /tmp/torchenv/bin/python -m pytest tests/cli/test_against_pytorch_export.py
    PYTHONPATH=. /tmp/torchenv/bin/python tests/cli/torch_export_comparison.py   # the figures
"""

import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: the comparison of the PyTorch export did NOT run"
)
pytest.importorskip("safetensors.torch", reason="safetensors is not installed next to PyTorch")

import torch_export_comparison as compare  # noqa: E402 - only once torch is known to be there

LOSS_TOLERANCE = 1e-9
PREDICTION_TOLERANCE = 1e-12


@pytest.fixture(autouse=True)
def _float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


@pytest.mark.parametrize("case", list(compare.CASES))
def test_model_py_trains_as_nnsim_train(case):
    assert compare.compare_case(case) < LOSS_TOLERANCE


@pytest.mark.parametrize("case", compare.PREDICTION_CASES)
def test_build_model_predicts_as_nnsim(case):
    assert compare.compare_predictions(case) < PREDICTION_TOLERANCE


@pytest.mark.parametrize("case", compare.PREDICTION_CASES)
def test_weights_trained_in_pytorch_come_back_exactly(case):
    assert compare.compare_round_trip(case) < PREDICTION_TOLERANCE
