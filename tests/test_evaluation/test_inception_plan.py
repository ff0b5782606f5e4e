"""The skip-or-fail decision for FID/KID without Inception weights, and the small-count
warnings: decided from the files alone, before anything runs."""
import pytest
import torch

from vtonbox.evaluation.errors import EvaluationFileNotFoundError, EvaluationInputError
from vtonbox.evaluation.functional.inception import FID_WEIGHTS_FILENAME, FID_WEIGHTS_URL
from vtonbox.evaluation.inception_plan import (
    FID_MIN_IMAGES,
    KID_MIN_IMAGES,
    InceptionMetricSpec,
    image_counts,
    parse_required_metrics,
    plan_inception_metrics,
    small_sample_warning,
)
from vtonbox.utils.cli import UserError


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    """A torch hub cache without the weights; returns the path they are looked for at."""
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    return str(tmp_path / 'hub' / 'checkpoints' / FID_WEIGHTS_FILENAME)


def _specs(weights=None):
    return [InceptionMetricSpec('FID', weights, '--inception-weights PATH'),
            InceptionMetricSpec('KID', weights, '--inception-weights PATH')]


def test_parse_required_metrics_accepts_repeats_and_comma_lists():
    assert parse_required_metrics(['fid,kid', 'FID', ' kid ']) == ['FID', 'KID']
    assert parse_required_metrics(None) == [] and parse_required_metrics(['']) == []
    with pytest.raises(UserError, match="unknown metric 'lpips' in --require: choose from fid, "
                                        'kid'):
        parse_required_metrics(['fid,lpips'])


def test_missing_weights_skip_both_with_one_line(empty_hub):
    plan = plan_inception_metrics(_specs())
    assert plan.run == [] and set(plan.skipped) == {'FID', 'KID'}
    assert plan.skipped['FID'] == f'FID Inception weights not found ({empty_hub})'
    assert len(plan.warnings) == 1  # one file, one line for both metrics
    line = plan.warnings[0]
    assert line.startswith('skipping FID, KID: FID Inception weights not found')
    assert empty_hub in line and '--inception-weights PATH' in line and FID_WEIGHTS_URL in line
    assert '--require fid,kid makes this an error' in line and '\n' not in line


def test_present_weights_run(inception_weights):
    plan = plan_inception_metrics(_specs(inception_weights), required=['FID'])
    assert plan.run == ['FID', 'KID'] and plan.skipped == {} and plan.warnings == []


def test_required_missing_weights_fail(empty_hub):
    with pytest.raises(EvaluationFileNotFoundError) as error:
        plan_inception_metrics(_specs(), required=['KID'])
    assert error.value.what == 'FID Inception weights not found'
    assert error.value.file == empty_hub
    assert f'put {FID_WEIGHTS_FILENAME} there (the torch hub cache' in error.value.todo
    assert '--inception-weights PATH' in error.value.todo


def test_require_all_fails_on_any_missing_file(empty_hub):
    with pytest.raises(EvaluationFileNotFoundError, match='FID Inception weights not found'):
        plan_inception_metrics(_specs(), require_all=True)


def test_empty_weights_file_is_skipped_then_required_fails(tmp_path, empty_hub):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    plan = plan_inception_metrics(_specs(str(empty)))
    assert plan.skipped['KID'] == f'FID Inception weights file is empty ({empty})'
    assert FID_WEIGHTS_FILENAME in plan.warnings[0] and empty_hub in plan.warnings[0]
    with pytest.raises(EvaluationInputError, match='FID Inception weights file is empty'):
        plan_inception_metrics(_specs(str(empty)), required=['FID'])


def test_required_metric_not_in_the_run():
    with pytest.raises(UserError) as error:
        plan_inception_metrics(_specs()[:1], required=['KID'],
                               add_hint='add {lower} to --metrics')
    assert error.value.line() == ('--require kid: this run computes no KID: add kid to '
                                  '--metrics (or drop --require kid)')


def test_options_of_several_metrics_are_joined(empty_hub):
    specs = [InceptionMetricSpec('FID', None, 'test_evaluator.0.inception_weights=PATH'),
             InceptionMetricSpec('KID', None, 'test_evaluator.1.inception_weights=PATH')]
    plan = plan_inception_metrics(specs, option_prefix='--cfg-options ')
    assert ('--cfg-options test_evaluator.0.inception_weights=PATH '
            'test_evaluator.1.inception_weights=PATH') in plan.warnings[0]


def test_small_sample_warnings_follow_the_constants():
    assert (FID_MIN_IMAGES, KID_MIN_IMAGES) == (2000, 100)
    fid = small_sample_warning('FID', 1999, 2032)
    assert 'FID computed from 1999 generated and 2032 real images' in fid
    assert 'FID_MIN_IMAGES=2000' in fid and 'biased' in fid
    assert small_sample_warning('FID', 2000, 2032) is None
    kid = small_sample_warning('KID', 150, 99)
    assert 'KID_MIN_IMAGES=100' in kid and 'unreliable' in kid
    assert small_sample_warning('KID', 100, 100) is None
    assert small_sample_warning('SSIM', 1, 1) is None
    assert image_counts('KID', 4, 3) == dict(generated=4, real=3, min_reliable=100)


def test_weights_url_is_pytorch_fids():
    # restated in vtonbox so that importing it does not import pytorch-fid's model code
    from pytorch_fid.inception import FID_WEIGHTS_URL as PYTORCH_FID_URL
    assert FID_WEIGHTS_URL == PYTORCH_FID_URL
