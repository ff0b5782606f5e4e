"""Fixtures of the dataset tests: one tiny synthetic dataset per layout and session."""
import shutil

import pytest

from vtonbox.datasets import make_synthetic_viton
from vtonbox.datasets.synthetic import make_synthetic

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


LAYOUT_HEIGHT, LAYOUT_WIDTH = 512, 384
LAYOUT_TRAIN, LAYOUT_TEST = 2, 2


@pytest.fixture(scope='session')
def viton_hd_root(tmp_path_factory):
    """Synthetic VITON-HD layout, 2 train + 2 test at 512 x 384 (read-only)."""
    root = tmp_path_factory.mktemp('viton_hd') / 'data'
    make_synthetic(str(root), 'viton-hd', LAYOUT_TRAIN, LAYOUT_TEST, SEED, LAYOUT_HEIGHT,
                   LAYOUT_WIDTH)
    return root


@pytest.fixture(scope='session')
def dresscode_root(tmp_path_factory):
    """Synthetic DressCode layout with garment masks, 2 train + 2 test per category at
    512 x 384 (read-only)."""
    root = tmp_path_factory.mktemp('dresscode') / 'data'
    make_synthetic(str(root), 'dresscode', LAYOUT_TRAIN, LAYOUT_TEST, SEED, LAYOUT_HEIGHT,
                   LAYOUT_WIDTH)
    return root


@pytest.fixture
def viton_hd_copy(viton_hd_root, tmp_path):
    root = tmp_path / 'viton_hd'
    shutil.copytree(viton_hd_root, root)
    return root


@pytest.fixture
def dresscode_copy(dresscode_root, tmp_path):
    root = tmp_path / 'dresscode'
    shutil.copytree(dresscode_root, root)
    return root
