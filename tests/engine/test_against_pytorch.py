"""nnsim's engine against PyTorch autograd, optimizers and schedulers, to 1e-9.

Runs only where torch is installed (it is not one of nnsim's dependencies): without it these
tests are reported as SKIPPED, with the reason, in every run's summary (-ra). The figures come
from tests/engine/torch_comparison.py, which also prints them when run alone.
"""

import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: the comparison with PyTorch did NOT run"
)

import torch_comparison as compare  # noqa: E402 - only once torch is known to be there

TOLERANCE = 1e-9


@pytest.fixture(autouse=True)
def _float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def test_new_activations_and_derivatives_match_pytorch():
    assert compare.compare_activation_values() < TOLERANCE


def test_forward_and_gradients_match_autograd_for_every_new_activation_and_loss():
    figures = compare.compare_gradients(seeds=3)
    assert len(figures) == 4 * (len(compare.PAIRS) + 2)  # each new activation, every pairing
    assert max(figures.values()) < TOLERANCE, figures


@pytest.mark.parametrize("case", list(compare.OPTIMIZER_CASES))
def test_twenty_optimizer_steps_match_pytorch(case):
    worst, _ = compare.compare_training(compare.OPTIMIZER_CASES[case], None)
    assert worst < TOLERANCE


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("schedule", list(compare.SCHEDULE_CASES))
def test_schedules_match_pytorch_schedulers(schedule, optimizer):
    case = {"name": "sgd", "momentum": 0.9} if optimizer == "sgd" else {"name": "adam"}
    worst, rate = compare.compare_training(case, compare.SCHEDULE_CASES[schedule], steps=40)
    assert worst < TOLERANCE
    assert rate < TOLERANCE


def test_schedule_rates_over_thirty_epochs_match_pytorch():
    assert compare.compare_schedule_rates() < TOLERANCE


def test_dropout_forward_and_gradients_match_pytorch_with_nnsims_mask():
    worst = compare.compare_dropout()
    assert worst
    assert max(worst.values()) < TOLERANCE, worst
