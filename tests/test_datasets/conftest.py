"""Fixtures of the dataset tests: one tiny synthetic VITON dataset per session."""
import shutil

import pytest

from vtonbox.datasets import make_synthetic_viton

NUM_TRAIN, NUM_TEST = 4, 2
HEIGHT, WIDTH = 128, 96
SEED = 0


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory):
    """A 4 train + 2 test synthetic dataset at 128 x 96 (read-only: copy before editing)."""
    root = tmp_path_factory.mktemp('synthetic') / 'data'
    make_synthetic_viton(str(root), NUM_TRAIN, NUM_TEST, SEED, HEIGHT, WIDTH)
    return root


@pytest.fixture
def synthetic_copy(synthetic_root, tmp_path):
    """A private, editable copy of the session dataset."""
    root = tmp_path / 'data'
    shutil.copytree(synthetic_root, root)
    return root
