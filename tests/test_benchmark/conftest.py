"""Fixtures: tiny parser-free try-on model (random weights, random BN statistics)."""
import pytest

from tests.helpers.tiny_configs import TINY_SIZE
from tests.helpers.tiny_model import write_tiny_config
from vtonbox.deploy import load_tryon_model


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    config = write_tiny_config(tmp_path_factory.mktemp('bench'), size=TINY_SIZE)
    model, _ = load_tryon_model(config, seed=0)
    return model
