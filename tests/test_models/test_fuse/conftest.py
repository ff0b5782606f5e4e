"""Fixtures: a tiny parser-free try-on model with random weights and BN statistics."""
import pytest

from tests.test_apis.tiny_model import write_tiny_config
from tests.test_engine.test_benchmark.tiny_configs import TINY_SIZE
from vtonbox.deploy import load_tryon_model


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    config = write_tiny_config(tmp_path_factory.mktemp('fuse'), size=TINY_SIZE)
    model, _ = load_tryon_model(config, seed=0)
    return model
