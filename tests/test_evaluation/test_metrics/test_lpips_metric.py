"""The LPIPS metric through MMEngine's Evaluator, its record fields, and the test plan
that skips it without its AlexNet weights (``--require lpips`` makes that an error)."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator

from vtonbox.engine.evaluate import plan_test_metrics
from vtonbox.evaluation.errors import EvaluationFileNotFoundError
from vtonbox.evaluation.functional.lpips import (
    ALEXNET_WEIGHTS_FILENAME,
    build_lpips_alex,
    lpips_distance,
    lpips_version,
    save_random_alexnet_weights,
)
from vtonbox.evaluation.inception_plan import WEIGHTS_METRIC_NAMES, parse_required_metrics
from vtonbox.evaluation.record import build_record, metric_provenance
from vtonbox.registry import METRICS
from vtonbox.utils import register_all_modules
from vtonbox.utils.cli import UserError
from vtonbox.utils.files import file_sha256

from .test_paired_metrics import make_paired_samples


@pytest.fixture(scope='module')
def alexnet_weights(tmp_path_factory):
    return save_random_alexnet_weights(str(tmp_path_factory.mktemp('alex') / 'alex.pth'), seed=5)


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    """A torch hub cache without the AlexNet; returns the path it is looked for at."""
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    return str(tmp_path / 'hub' / 'checkpoints' / ALEXNET_WEIGHTS_FILENAME)


def test_evaluator_equals_functional_path(alexnet_weights):
    samples, preds, gts, _ = make_paired_samples()
    full = METRICS.build(dict(type='LPIPS', backbone_weights=alexnet_weights))
    small = METRICS.build(dict(type='LPIPS', backbone_weights=alexnet_weights,
                               resize=(128, 128)))
    evaluator = Evaluator([full, small])
    evaluator.process(samples[:2])
    evaluator.process(samples[2:])
    metrics = evaluator.evaluate(len(samples))
    model = build_lpips_alex(alexnet_weights)
    expected = np.mean([lpips_distance(model, p, g) for p, g in zip(preds, gts)])
    expected_small = np.mean([lpips_distance(model, p, g, (128, 128))
                              for p, g in zip(preds, gts)])
    assert set(metrics) == {'LPIPS', 'LPIPS@128x128'}
    assert abs(metrics['LPIPS'] - expected) <= 1e-6
    assert abs(metrics['LPIPS@128x128'] - expected_small) <= 1e-6
    assert metrics['LPIPS'] > 0


def test_record_fields(alexnet_weights):
    metrics = [METRICS.build(dict(type='SSIM')),
               METRICS.build(dict(type='LPIPS', backbone_weights=alexnet_weights,
                                  resize=[128, 128]))]
    provenance = metric_provenance(metrics)
    assert provenance['ssim_variant'] == 'gray' and provenance['fid_weights'] is None
    record = build_record({'LPIPS@128x128': 0.1}, dataset_root='d', split='test',
                          num_images=1, **provenance)
    entry = record['protocol']['lpips']['LPIPS@128x128']
    assert entry['net'] == 'alex' and entry['heads_version'] == '0.1'
    assert entry['implementation'] == f'lpips {lpips_version()}' == 'lpips 0.1.4'
    assert entry['resize'] == [128, 128] and 'PIL bilinear' in entry['description']
    assert entry['weights'] == 'alex.pth'
    assert entry['weights_sha256'] == file_sha256(alexnet_weights)
    assert build_record({}, dataset_root='d', split='test', num_images=1)['protocol'][
        'lpips'] is None


def test_unpaired_samples_are_skipped(alexnet_weights):
    samples, _, _, _ = make_paired_samples(1)
    del samples[0].gt_person
    metric = METRICS.build(dict(type='LPIPS', backbone_weights=alexnet_weights))
    metric.process(None, samples)
    assert metric.results == []


def test_missing_weights_fail_when_built(empty_hub):
    with pytest.raises(EvaluationFileNotFoundError) as error:
        METRICS.build(dict(type='LPIPS'))
    assert error.value.line().startswith(f'LPIPS AlexNet weights not found ({empty_hub}): put '
                                         f'{ALEXNET_WEIGHTS_FILENAME} there')
    with pytest.raises(ValueError, match='resize'):
        METRICS.build(dict(type='LPIPS', resize=(128,)))


def _config(lpips_entry):
    register_all_modules()
    return Config(dict(val_dataloader=dict(), val_cfg=dict(), test_dataloader=None,
                       val_evaluator=[dict(type='SSIM'), lpips_entry]))


def test_plan_skips_lpips_with_one_line(empty_hub):
    cfg = _config(dict(type='LPIPS'))
    plan = plan_test_metrics(cfg, ['paired'])
    assert plan.protocols == ['paired']
    assert plan.skipped_metrics == {'LPIPS': f'LPIPS AlexNet weights not found ({empty_hub})'}
    assert len(plan.warnings) == 1
    line = plan.warnings[0]
    assert line.startswith('skipping LPIPS: LPIPS AlexNet weights not found')
    assert '--cfg-options val_evaluator.1.backbone_weights=PATH' in line
    assert line.endswith('--require lpips makes this an error') and '\n' not in line
    assert [m['type'] for m in cfg.val_evaluator] == ['SSIM']


def test_plan_require_lpips_fails(empty_hub):
    required = parse_required_metrics(['fid', 'LPIPS'], WEIGHTS_METRIC_NAMES)
    assert required == ['FID', 'LPIPS']
    with pytest.raises(UserError, match='choose from fid, kid, lpips'):
        parse_required_metrics(['ssim'], WEIGHTS_METRIC_NAMES)
    with pytest.raises(EvaluationFileNotFoundError, match='LPIPS AlexNet weights not found'):
        plan_test_metrics(_config(dict(type='LPIPS')), ['paired'], ['LPIPS'])
    with pytest.raises(UserError, match='--require lpips: this run computes no LPIPS'):
        plan_test_metrics(_config(dict(type='PSNR')), ['paired'], ['LPIPS'])


def test_plan_keeps_lpips_with_weights(alexnet_weights, empty_hub):
    cfg = _config(dict(type='LPIPS', backbone_weights=alexnet_weights))
    plan = plan_test_metrics(cfg, ['paired'], ['LPIPS'])
    assert plan.skipped_metrics == {} and plan.warnings == []
    assert [m['type'] for m in cfg.val_evaluator] == ['SSIM', 'LPIPS']


def test_plan_only_lpips_missing_is_an_error(empty_hub):
    register_all_modules()
    cfg = Config(dict(val_dataloader=dict(), val_cfg=dict(),
                      val_evaluator=[dict(type='LPIPS')]))
    with pytest.raises(EvaluationFileNotFoundError, match='LPIPS AlexNet weights not found'):
        plan_test_metrics(cfg, ['paired'])
