"""The inputs of the shared synthetic batch (``tests/conftest.py``) for the try-on tests."""
import pytest


@pytest.fixture(scope='session')
def inputs(tryon_batch):
    return tryon_batch['inputs']
