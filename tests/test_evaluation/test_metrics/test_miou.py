"""ParsingMIoU and its pure core against a direct numpy computation."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from vtonbox.evaluation.metrics.miou import ParsingMIoU, iou_from_confusion, parsing_confusion
from vtonbox.registry import METRICS
from vtonbox.structures import TryOnDataSample

NUM_CLASSES = 6
IGNORE = 255


def direct_miou(preds, gts, num_classes, ignore_index=IGNORE):
    """Class-by-class IoU over all images with boolean masks (the textbook definition)."""
    pred = np.concatenate([p.ravel() for p in preds])
    gt = np.concatenate([g.ravel() for g in gts])
    keep = gt != ignore_index
    pred, gt = pred[keep], gt[keep]
    ious = {}
    for cls in range(num_classes):
        union = np.logical_or(pred == cls, gt == cls).sum()
        if union:
            ious[cls] = np.logical_and(pred == cls, gt == cls).sum() / union
    return float(np.mean(list(ious.values()))), ious, float((pred == gt).mean())


def random_maps(seed, count=3, shape=(1, 16, 12)):
    """Label maps where class 5 never occurs and some ground-truth pixels are ignored."""
    rng = np.random.default_rng(seed)
    gts = [rng.integers(0, NUM_CLASSES - 1, shape) for _ in range(count)]
    preds = [np.where(rng.random(shape) < 0.7, g, rng.integers(0, NUM_CLASSES - 1, shape))
             for g in gts]
    for gt in gts:
        gt[rng.random(shape) < 0.1] = IGNORE
    return preds, gts


def test_pure_functions_match_direct_computation():
    preds, gts = random_maps(0)
    confusion = sum(parsing_confusion(p, g, NUM_CLASSES, IGNORE) for p, g in zip(preds, gts))
    mean, per_class = iou_from_confusion(confusion)
    expected_mean, expected, _ = direct_miou(preds, gts, NUM_CLASSES)
    assert mean == pytest.approx(expected_mean)
    assert np.isnan(per_class[NUM_CLASSES - 1])  # absent from both: ignored
    for cls, value in expected.items():
        assert per_class[cls] == pytest.approx(value)


def test_confusion_counts_and_errors():
    pred = torch.tensor([[0, 1, 1], [2, 2, 0]])
    gt = torch.tensor([[0, 1, 2], [2, IGNORE, 1]])
    confusion = parsing_confusion(pred, gt, 3, IGNORE)
    np.testing.assert_array_equal(confusion, [[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    mean, per_class = iou_from_confusion(confusion)
    np.testing.assert_allclose(per_class, [1 / 2, 1 / 3, 1 / 2])
    assert mean == pytest.approx((1 / 2 + 1 / 3 + 1 / 2) / 3)
    assert np.isnan(iou_from_confusion(np.zeros((3, 3)))[0])
    with pytest.raises(ValueError, match='same shape'):
        parsing_confusion(pred, gt[:1], 3)
    with pytest.raises(ValueError, match=r'pred ids must be in \[0, 3\)'):
        parsing_confusion(pred + 1, gt, 3)
    with pytest.raises(TypeError, match='integer'):
        parsing_confusion(pred.float(), gt, 3)


def test_metric_through_mmengine_evaluator():
    preds, gts = random_maps(1, count=4)
    names = [f'part{i}' for i in range(NUM_CLASSES)]
    evaluator = Evaluator(METRICS.build(dict(type='ParsingMIoU', num_classes=NUM_CLASSES,
                                             class_names=names)))
    # First batch as TryOnDataSample objects (the Evaluator turns them into dicts),
    # second batch as plain dicts.
    samples = []
    for pred, gt in zip(preds[:2], gts[:2]):
        sample = TryOnDataSample()
        sample.pred_parsing = torch.from_numpy(pred)
        sample.gt_parsing = torch.from_numpy(gt)
        samples.append(sample)
    evaluator.process(samples, data_batch=None)
    evaluator.process([dict(pred_parsing=torch.from_numpy(p), gt_parsing=torch.from_numpy(g))
                       for p, g in zip(preds[2:], gts[2:])], data_batch=None)
    metrics = evaluator.evaluate(len(preds))
    expected_mean, expected, accuracy = direct_miou(preds, gts, NUM_CLASSES)
    assert metrics['mIoU'] == pytest.approx(expected_mean)
    assert metrics['aAcc'] == pytest.approx(accuracy)
    for cls, value in expected.items():
        assert metrics[f'IoU.part{cls}'] == pytest.approx(value)
    assert f'IoU.part{NUM_CLASSES - 1}' not in metrics


def test_target_from_batch_inputs_and_dataset_meta_names():
    preds, gts = random_maps(2, count=2)
    metric = ParsingMIoU(num_classes=NUM_CLASSES)
    metric.dataset_meta = dict(parsing_classes=[f'c{i}' for i in range(NUM_CLASSES)])
    batch = dict(inputs=dict(parsing=[torch.from_numpy(g) for g in gts]))
    metric.process(batch, [dict(pred_parsing=torch.from_numpy(p)) for p in preds])
    metrics = metric.evaluate(2)
    assert metrics['mIoU'] == pytest.approx(direct_miou(preds, gts, NUM_CLASSES)[0])
    assert 'IoU.c0' in metrics
    with pytest.raises(KeyError, match='gt_parsing'):
        metric.process(None, [dict(pred_parsing=torch.from_numpy(preds[0]))])
    with pytest.raises(ValueError, match='class_names'):
        ParsingMIoU(num_classes=3, class_names=['a'])
