"""ResizePad: model size from any input size, aspect kept, metainfo that maps back."""
import cv2
import numpy as np
import pytest

from vtonbox.datasets.readers import DataFileError
from vtonbox.datasets.transforms import ResizePad, compute_resize_pad, undo_resize_pad


def _odd_sample(height=100, width=77):
    rng = np.random.default_rng(0)
    person = np.zeros((height, width, 3), dtype=np.uint8)
    person[20:80, 20:60] = (200, 30, 40)
    parsing = np.zeros((height, width), dtype=np.uint8)
    parsing[20:80, 20:60] = 4
    keypoints = np.zeros((18, 3), dtype=np.float32)
    keypoints[:4] = [[20, 20, 1], [59, 79, 1], [40.5, 50.25, 1], [70, 90, 1]]
    cloth = rng.integers(0, 255, (60, 50, 3), dtype=np.uint8)
    mask = np.full((60, 50), 255, dtype=np.uint8)
    return dict(person=person, parsing=parsing, densepose=parsing.copy(),
                pose_keypoints=keypoints, cloth=cloth, cloth_mask=mask)


def test_odd_size_to_model_size_with_aspect_kept():
    results = ResizePad(size=(256, 192))(_odd_sample())
    scale = min(256 / 100, 192 / 77)
    assert results['person'].shape == (256, 192, 3)
    assert results['parsing'].shape == results['densepose'].shape == (256, 192)
    assert results['cloth'].shape == (256, 192, 3) and results['cloth_mask'].shape == (256, 192)
    assert results['ori_shape'] == (100, 77) and results['img_shape'] == (256, 192)
    assert results['scale_factor'] == pytest.approx(scale)
    top, bottom, left, right = results['pad']
    assert (left, right) == (0, 0) and top + bottom == 256 - round(100 * scale)
    assert abs(top - bottom) <= 1
    # Aspect kept: the content box has the input's aspect ratio.
    box_h, box_w = 256 - top - bottom, 192 - left - right
    assert box_h / box_w == pytest.approx(100 / 77, rel=0.01)
    # Padding: white for images, 0 for labels and masks; labels stay labels.
    assert (results['person'][:top] == 255).all()
    assert (results['parsing'][:top] == 0).all()
    assert set(np.unique(results['parsing'])) == {0, 4}
    cloth_pad = compute_resize_pad((60, 50), (256, 192)).pad
    assert cloth_pad[0] > 0 and cloth_pad[2] + cloth_pad[3] == 0
    assert (results['cloth'][:cloth_pad[0]] == 255).all()
    assert (results['cloth_mask'][:cloth_pad[0]] == 0).all()
    assert (results['cloth_mask'][cloth_pad[0]:256 - cloth_pad[1]] == 255).all()


def test_metainfo_maps_back():
    sample = _odd_sample()
    original_kp = sample['pose_keypoints'].copy()
    results = ResizePad(size=(256, 192))(sample)
    top, _, left, _ = results['pad']
    scale = results['scale_factor']
    kp = results['pose_keypoints']
    back = np.stack([(kp[:4, 0] - left) / scale, (kp[:4, 1] - top) / scale], 1)
    assert np.abs(back - original_kp[:4, :2]).max() < 0.5
    assert not kp[4:].any()  # absent keypoints stay (0, 0, 0)
    restored = undo_resize_pad(results['parsing'], results['pad'], results['ori_shape'],
                               cv2.INTER_NEAREST_EXACT)
    assert restored.shape == (100, 77)
    assert (restored != _odd_sample()['parsing']).mean() < 0.01


def test_identity_when_already_model_size():
    person = np.random.default_rng(1).integers(0, 255, (64, 32, 3), dtype=np.uint8)
    results = ResizePad(size=(64, 32))(dict(person=person.copy()))
    assert np.array_equal(results['person'], person)
    assert results['pad'] == (0, 0, 0, 0) and results['scale_factor'] == 1.0


def test_size_mismatch_names_the_file():
    sample = _odd_sample()
    sample['cloth_mask'] = sample['cloth_mask'][:50]
    sample['cloth_mask_path'] = '/data/train_edge/x_1.jpg'
    with pytest.raises(DataFileError, match='differs from cloth') as err:
        ResizePad(size=(256, 192))(sample)
    assert err.value.path == '/data/train_edge/x_1.jpg'


def test_bad_size():
    with pytest.raises(ValueError, match='multiple of 32'):
        ResizePad(size=(100, 77))
    assert ResizePad(size=(100, 77), size_divisor=None).size == (100, 77)
    assert 'ResizePad(size=(256, 192)' in repr(ResizePad(size=(256, 192)))
