"""SSIM / PSNR / MaskedL1 through MMEngine's Evaluator equal the functional path."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from vtonbox.evaluation.functional.masked_l1 import masked_l1
from vtonbox.evaluation.functional.ssim import rgb_to_gray
from vtonbox.evaluation.metrics import paired_metric
from vtonbox.registry import METRICS
from vtonbox.structures.tryon_data_sample import TryOnDataSample

from ..conftest import make_images

SKIMAGE_SSIM = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                    data_range=255)


def _chw(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1).contiguous()


def make_paired_samples(num: int = 3):
    preds = make_images(num, seed=10, noise=25.0, size=(64, 48))
    gts = make_images(num, seed=10, size=(64, 48))
    masks = []
    samples = []
    for index, (pred, gt) in enumerate(zip(preds, gts)):
        mask = np.zeros((64, 48), np.uint8)
        mask[8 + index:40, 6:30 + index] = 255
        sample = TryOnDataSample(metainfo=dict(paired=True, sample_idx=index))
        sample.pred_tryon, sample.gt_person = _chw(pred), _chw(gt)
        sample.gt_cloth_mask = torch.from_numpy(mask)[None]
        samples.append(sample)
        masks.append(mask)
    return samples, preds, gts, masks


def test_evaluator_equals_functional_path():
    samples, preds, gts, masks = make_paired_samples()
    evaluator = Evaluator([METRICS.build(dict(type='SSIM')),
                           METRICS.build(dict(type='SSIM', variant='rgb')),
                           METRICS.build(dict(type='PSNR')),
                           METRICS.build(dict(type='MaskedL1'))])
    evaluator.process(samples[:2])
    evaluator.process(samples[2:])
    metrics = evaluator.evaluate(len(samples))
    gray = [structural_similarity(rgb_to_gray(p), rgb_to_gray(g), **SKIMAGE_SSIM)
            for p, g in zip(preds, gts)]
    rgb = [structural_similarity(p, g, channel_axis=-1, **SKIMAGE_SSIM)
           for p, g in zip(preds, gts)]
    psnr = [peak_signal_noise_ratio(g, p, data_range=255) for p, g in zip(preds, gts)]
    l1 = [masked_l1(p, g, m) for p, g, m in zip(preds, gts, masks)]
    assert abs(metrics['SSIM'] - np.mean(gray)) <= 1e-6
    assert abs(metrics['SSIM-RGB'] - np.mean(rgb)) <= 1e-6
    assert metrics['PSNR'] == pytest.approx(np.mean(psnr), rel=1e-12)
    assert metrics['MaskedL1'] == pytest.approx(np.mean(l1), rel=1e-12)
    assert 0 < metrics['SSIM'] < 1 and 0 < metrics['MaskedL1'] < 1


def _record_warnings(monkeypatch) -> list:
    messages = []
    monkeypatch.setattr(paired_metric, 'print_log',
                        lambda message, logger=None, level=None: messages.append(message))
    return messages


def test_unpaired_samples_skipped_with_one_warning(monkeypatch):
    messages = _record_warnings(monkeypatch)
    samples, preds, gts, _ = make_paired_samples(2)
    unpaired = TryOnDataSample(metainfo=dict(paired=False))
    unpaired.pred_tryon = samples[0].pred_tryon
    metric = METRICS.build(dict(type='PSNR'))
    metric.process(None, [s.to_dict() for s in [unpaired, samples[0], unpaired, samples[1]]])
    assert sum('unpaired' in message for message in messages) == 1
    expected = np.mean([peak_signal_noise_ratio(g, p, data_range=255)
                        for p, g in zip(preds, gts)])
    assert metric.evaluate(4)['PSNR'] == pytest.approx(expected)

    only_unpaired = METRICS.build(dict(type='SSIM'))
    only_unpaired.process(None, [unpaired.to_dict()])
    assert np.isnan(only_unpaired.evaluate(1)['SSIM'])
    assert 'SSIM is NaN' in messages[-1] and 'paired setting' in messages[-1]


def test_paired_metric_errors():
    samples, _, _, _ = make_paired_samples(1)
    bad = samples[0].to_dict()
    bad['gt_person'] = torch.zeros(3, 32, 48, dtype=torch.uint8)
    with pytest.raises(ValueError, match='differ in size'):
        METRICS.build(dict(type='SSIM')).process(None, [bad])
    with pytest.raises(ValueError, match='variant'):
        METRICS.build(dict(type='SSIM', variant='lab'))
    no_mask = samples[0].to_dict()
    no_mask.pop('gt_cloth_mask')
    empty = samples[0].to_dict()
    empty['gt_cloth_mask'] = torch.zeros(1, 64, 48, dtype=torch.uint8)
    metric = METRICS.build(dict(type='MaskedL1'))
    metric.process(None, [no_mask, empty])
    assert metric.results == []
