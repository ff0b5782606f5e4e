"""Fixtures of the inference API tests."""
import pytest
import torch


@pytest.fixture(autouse=True)
def single_torch_thread():
    """One intra-op thread: the tiny models run ~10x faster on a shared 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
