"""A tiny synthetic dataset at 64x64 shared by the try-on tests."""
import pytest

from vtonbox.datasets import make_synthetic_viton


@pytest.fixture(scope='session')
def tiny_synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_tryon')
    make_synthetic_viton(str(root), num_train=6, num_test=2, seed=0, height=64, width=64)
    return str(root)
