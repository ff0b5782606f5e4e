"""Fixtures of the GPU tests (``pytest -m gpu``; every test here skips without CUDA)."""
import pytest
import torch

from vtonbox.datasets import make_synthetic_viton


@pytest.fixture(scope='session')
def gpu_synthetic(tmp_path_factory):
    """A tiny synthetic VITON dataset at 64 x 64 (8 training, 2 test samples)."""
    root = tmp_path_factory.mktemp('gpu_synthetic')
    make_synthetic_viton(str(root), num_train=8, num_test=2, seed=0, height=64, width=64)
    return str(root)


@pytest.fixture(autouse=True)
def cuda_test_state():
    """Each GPU test starts with nondeterministic algorithms allowed and gives its cached
    GPU memory back.

    ``grid_sample``'s CUDA backward has no deterministic implementation, and a CPU test
    that ran a Runner with ``randomness.deterministic=True`` earlier in the session leaves
    ``torch.use_deterministic_algorithms(True)`` set: CUDA training would then raise.
    """
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.use_deterministic_algorithms(False)
    yield
    torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
