"""TryOnDataPreprocessor: stacking, dtype conversions, data samples, errors."""
import pytest
import torch
from mmengine.dataset import pseudo_collate

from vtonbox.models.data_preprocessors import TryOnDataPreprocessor
from vtonbox.registry import MODELS
from vtonbox.structures import TryOnDataSample

H, W = 8, 6


def _item(idx):
    gen = torch.Generator().manual_seed(idx)
    inputs = dict(
        person=torch.randint(0, 256, (3, H, W), dtype=torch.uint8, generator=gen),
        cloth_mask=(torch.rand(1, H, W, generator=gen) > 0.5).float(),
        pose=torch.where(torch.rand(18, H, W, generator=gen) > 0.9, 1.0, -1.0),
        parsing=torch.randint(0, 14, (1, H, W), generator=gen),
        densepose=torch.randint(0, 25, (1, H, W), dtype=torch.int32, generator=gen))
    sample = TryOnDataSample(metainfo=dict(sample_idx=idx, paired=True,
                                           person_path=f'{idx}_0.jpg'))
    sample.gt_person = inputs['person'].clone()
    return dict(inputs=inputs, data_samples=sample)


def test_collated_batch_is_stacked_and_converted():
    items = [_item(0), _item(1)]
    batch = pseudo_collate(items)
    preprocessor = MODELS.build(dict(type='TryOnDataPreprocessor'))
    out = preprocessor(batch, training=True)
    inputs = out['inputs']
    assert set(inputs) == {'person', 'cloth_mask', 'pose', 'parsing', 'densepose'}
    person = inputs['person']
    assert person.shape == (2, 3, H, W) and person.dtype == torch.float32
    expected = torch.stack([it['inputs']['person'] for it in items]).float() / 127.5 - 1
    assert torch.allclose(person, expected)
    assert person.min() >= -1 and person.max() <= 1
    assert torch.equal(inputs['cloth_mask'],
                       torch.stack([it['inputs']['cloth_mask'] for it in items]))
    assert inputs['pose'].shape == (2, 18, H, W) and set(inputs['pose'].unique().tolist()) == {
        -1.0, 1.0}
    assert inputs['parsing'].dtype == torch.int64 and inputs['parsing'].shape == (2, 1, H, W)
    assert inputs['densepose'].dtype == torch.int64
    assert torch.equal(inputs['parsing'][1], items[1]['inputs']['parsing'])
    samples = out['data_samples']
    assert len(samples) == 2 and all(isinstance(s, TryOnDataSample) for s in samples)
    assert [s.sample_idx for s in samples] == [0, 1]
    assert samples[1].gt_person.dtype == torch.uint8
    assert torch.equal(samples[1].gt_person, items[1]['inputs']['person'])


def test_uint8_extremes_and_training_flag():
    image = torch.tensor([0, 255], dtype=torch.uint8).view(1, 1, 1, 2)
    preprocessor = TryOnDataPreprocessor()
    for training in (False, True):
        out = preprocessor(dict(inputs=dict(person=image)), training)
        assert out['inputs']['person'].flatten().tolist() == [-1.0, 1.0]
        assert out['data_samples'] is None


def test_already_stacked_tensors_and_other_dtypes():
    stacked = dict(person=torch.full((2, 3, H, W), 255, dtype=torch.uint8),
                   mask=torch.ones(2, 1, H, W, dtype=torch.bool),
                   heat=torch.zeros(2, 1, H, W, dtype=torch.float64))
    out = TryOnDataPreprocessor()(dict(inputs=stacked, data_samples=None))['inputs']
    assert torch.equal(out['person'], torch.ones(2, 3, H, W))
    assert out['mask'].dtype == torch.float32 and out['mask'].sum() == 2 * H * W
    assert out['heat'].dtype == torch.float32


def test_channels_last_option():
    batch = pseudo_collate([_item(0), _item(1)])
    out = TryOnDataPreprocessor(channels_last=True)(batch)['inputs']
    assert out['person'].is_contiguous(memory_format=torch.channels_last)
    assert out['pose'].is_contiguous(memory_format=torch.channels_last)
    assert out['parsing'].dtype == torch.int64


def test_bad_batches_raise():
    preprocessor = TryOnDataPreprocessor()
    with pytest.raises(TypeError, match='inputs'):
        preprocessor([torch.zeros(1)])
    with pytest.raises(TypeError, match='dict'):
        preprocessor(dict(inputs=[torch.zeros(3, H, W)]))
    with pytest.raises(ValueError, match="'person'"):
        preprocessor(dict(inputs=dict(person=[torch.zeros(3, H, W), torch.zeros(3, H, W + 1)])))
    with pytest.raises(TypeError, match="'person'"):
        preprocessor(dict(inputs=dict(person=['a.jpg'])))


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_moves_to_the_model_device():
    preprocessor = TryOnDataPreprocessor(non_blocking=True).to('cuda')
    out = preprocessor(pseudo_collate([_item(0), _item(1)]))
    assert all(t.is_cuda for t in out['inputs'].values())
    assert out['data_samples'][0].gt_person.is_cuda
