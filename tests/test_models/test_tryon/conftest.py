"""Fixtures of the try-on tests: the inputs of the shared synthetic batch
(``tests/conftest.py``) and the session's single-process stage runs."""
import pytest


@pytest.fixture(scope='session')
def inputs(tryon_batch):
    return tryon_batch['inputs']


@pytest.fixture(scope='session')
def stage_runs(tiny_synthetic, tmp_path_factory):
    """The single-process synthetic stages, each trained once per session in one work
    root (tests/helpers/stage_runs.py)."""
    from tests.helpers.stage_runs import StageRuns

    return StageRuns(tiny_synthetic, str(tmp_path_factory.mktemp('stages')))
