"""HumanParser and its ParsingUNet: modes, learning, prediction contract, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.evaluator import Evaluator

import vtonbox.evaluation.metrics.miou  # noqa: F401  (registers ParsingMIoU)
from vtonbox.models.parsers import HumanParser, ParsingUNet
from vtonbox.registry import METRICS, MODELS
from vtonbox.structures import TryOnDataSample

SIZE = 64
BATCH = 2
NUM_CLASSES = 14
TINY_NET = dict(type='ParsingUNet', base_channels=8, depth=3)


def make_batch(seed=0):
    """A pseudo-collated batch: uint8 persons whose colour blocks encode the labels."""
    generator = torch.Generator().manual_seed(seed)
    palette = torch.randint(0, 256, (NUM_CLASSES, 3), generator=generator, dtype=torch.uint8)
    persons, parsings = [], []
    for _ in range(BATCH):
        coarse = torch.randint(0, NUM_CLASSES, (1, 1, 8, 8), generator=generator)
        labels = F.interpolate(coarse.float(), size=(SIZE, SIZE), mode='nearest').long()[0]
        persons.append(palette[labels[0]].permute(2, 0, 1).contiguous())
        parsings.append(labels)
    return dict(inputs=dict(person=persons, parsing=parsings),
                data_samples=[TryOnDataSample(metainfo=dict(sample_idx=i)) for i in range(BATCH)])


def build(**kwargs):
    torch.manual_seed(0)
    return HumanParser(network=TINY_NET, **kwargs)


def test_three_modes_through_the_data_preprocessor():
    model = build()
    data = model.data_preprocessor(make_batch(), training=True)
    assert data['inputs']['person'].dtype == torch.float32
    logits = model(**data, mode='tensor')
    assert logits.shape == (BATCH, NUM_CLASSES, SIZE, SIZE)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_ce'} and losses['loss_ce'].ndim == 0
    assert torch.isfinite(losses['loss_ce']) and losses['loss_ce'].requires_grad
    samples = model(**data, mode='predict')
    assert len(samples) == BATCH
    for index, sample in enumerate(samples):
        assert sample.pred_parsing.shape == (1, SIZE, SIZE)
        assert sample.pred_parsing.dtype == torch.int64
        assert int(sample.pred_parsing.max()) < NUM_CLASSES
        torch.testing.assert_close(sample.gt_parsing, data['inputs']['parsing'][index])
        assert sample.metainfo['sample_idx'] == index
    with pytest.raises(ValueError, match='mode'):
        model(**data, mode='train')


def test_val_step_and_predict_without_samples():
    model = build()
    samples = model.val_step(make_batch())
    assert [s.pred_parsing.shape for s in samples] == [(1, SIZE, SIZE)] * BATCH
    person = model.data_preprocessor(make_batch())['inputs']['person']
    samples = model(dict(person=person), mode='predict')
    assert len(samples) == BATCH and 'gt_parsing' not in samples[0]


def test_predictions_feed_parsing_miou():
    model = build()
    batch = make_batch()
    evaluator = Evaluator(METRICS.build(dict(type='ParsingMIoU', num_classes=NUM_CLASSES)))
    evaluator.process(model.val_step(batch), batch)
    metrics = evaluator.evaluate(BATCH)
    assert 0.0 <= metrics['mIoU'] <= 1.0 and 0.0 <= metrics['aAcc'] <= 1.0


def test_overfits_a_fixed_batch():
    model = build()
    data = model.data_preprocessor(make_batch(seed=1), training=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    losses = []
    for _ in range(20):
        loss = model(**data, mode='loss')['loss_ce']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0], losses
    with torch.no_grad():  # train-mode BN: 20 steps are too few for the running stats
        samples = model(**data, mode='predict')
    accuracy = np.mean([(s.pred_parsing == s.gt_parsing).float().mean().item() for s in samples])
    print(f'overfit: loss {losses[0]:.3f} -> {losses[-1]:.3f}, pixel accuracy {accuracy:.3f}')
    assert accuracy > 0.5


def test_loss_matches_weighted_cross_entropy():
    weights = torch.linspace(0.5, 2.0, NUM_CLASSES)
    model = build(class_weights=weights.tolist(), loss_weight=2.0)
    logits = torch.randn(BATCH, NUM_CLASSES, 8, 8)
    target = torch.randint(0, NUM_CLASSES, (BATCH, 1, 8, 8))
    target[0, 0, 0, :4] = 255  # ignored
    expected = 2.0 * F.cross_entropy(logits, target[:, 0], weight=weights, ignore_index=255)
    torch.testing.assert_close(model.loss(logits, target), expected)


def test_bad_inputs():
    model = build()
    person = torch.zeros(BATCH, 3, SIZE, SIZE)
    with pytest.raises(ValueError, match='multiples of 2\\*\\*depth = 8'):
        model(dict(person=torch.zeros(BATCH, 3, 60, SIZE)))
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'):
        model(dict(person=torch.zeros(BATCH, 4, SIZE, SIZE)))
    with pytest.raises(KeyError, match='person'):
        model(dict(image=person))
    with pytest.raises(KeyError, match='parsing'):
        model(dict(person=person), mode='loss')
    with pytest.raises(TypeError, match='integer'):
        model(dict(person=person, parsing=torch.zeros(BATCH, 1, SIZE, SIZE)), mode='loss')
    with pytest.raises(ValueError, match='shape'):
        model(dict(person=person, parsing=torch.zeros(BATCH, 1, 32, 32, dtype=torch.long)),
              mode='loss')
    with pytest.raises(ValueError, match='ids must be in'):
        model(dict(person=person, parsing=torch.full((BATCH, 1, SIZE, SIZE), NUM_CLASSES)),
              mode='loss')
    with pytest.raises(ValueError, match='class_weights'):
        build(class_weights=[1.0, 2.0])


def test_parse_pads_odd_sizes_and_keeps_mode():
    model = build()
    model.train()
    rgb = np.random.default_rng(0).integers(0, 256, (60, 44, 3), dtype=np.uint8)
    ids = model.parse(rgb)
    assert ids.shape == (60, 44) and ids.dtype == np.uint8 and ids.max() < NUM_CLASSES
    assert model.training
    with pytest.raises(TypeError, match='uint8'):
        model.parse(rgb.astype(np.float32))
    with pytest.raises(ValueError, match=r'\(H, W, 3\)'):
        model.parse(rgb[..., 0])


def test_bfloat16_autocast():
    model = build()
    data = model.data_preprocessor(make_batch(), training=True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = model(**data, mode='loss')['loss_ce']
    assert loss.dtype == torch.float32 and torch.isfinite(loss)


def test_unet_channels_and_registry():
    net = ParsingUNet(base_channels=4, depth=2, max_channels=8, num_classes=5)
    assert net.size_divisor == 4
    assert net(torch.zeros(1, 3, 8, 12)).shape == (1, 5, 8, 12)
    assert net.encoders[2][0].conv.out_channels == 8  # capped: min(4 * 2**2, 8)
    with pytest.raises(ValueError, match='depth'):
        ParsingUNet(depth=0)
    model = MODELS.build(dict(type='HumanParser', network=dict(TINY_NET, num_classes=5)))
    assert isinstance(model, HumanParser) and model.num_classes == 5
