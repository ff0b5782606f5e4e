"""GeneratePoseMap: the upstream +1 / -1 squares."""
import numpy as np
import pytest

from vtonbox.datasets.transforms import GeneratePoseMap, pose_map


def test_squares_and_absent_keypoints():
    kp = np.zeros((18, 3), dtype=np.float32)
    kp[0] = [10, 20, 0.9]
    kp[1] = [0.5, 30, 0.9]  # x <= 1: upstream does not draw it
    kp[2] = [1.6, 1.4, 0.0]  # drawn (confidence ignored), clipped at the border
    out = pose_map(kp, 64, 48, radius=5)
    assert out.shape == (18, 64, 48) and out.dtype == np.float32
    assert set(np.unique(out)) == {-1.0, 1.0}
    ys, xs = np.nonzero(out[0] > 0)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (15, 25, 5, 15)
    assert (out[1] == -1).all() and (out[3:] == -1).all()
    assert (out[2] > 0).sum() == 8 * 7  # x in 0..7, y in 0..6


def test_radius_scales_with_height():
    assert GeneratePoseMap().radius_for(256) == 5
    assert GeneratePoseMap().radius_for(128) == 3
    assert GeneratePoseMap().radius_for(512) == 10
    assert GeneratePoseMap(scale_radius=False).radius_for(128) == 5
    kp = np.zeros((18, 3), dtype=np.float32)
    kp[4] = [30, 30, 1]
    out = GeneratePoseMap()(dict(pose_keypoints=kp, person=np.zeros((128, 96, 3))))['pose']
    assert out.shape == (18, 128, 96) and (out[4] > 0).sum() == 7 * 7
    no_size = GeneratePoseMap(size_key=None)(dict(pose_keypoints=kp, img_shape=(64, 32)))
    assert no_size['pose'].shape == (18, 64, 32)
    with pytest.raises(KeyError, match='img_shape'):
        GeneratePoseMap()(dict(pose_keypoints=kp))
    assert 'radius=5' in repr(GeneratePoseMap())


def test_defer_records_the_map_instead_of_drawing_it():
    kp = np.zeros((18, 3), dtype=np.float64)
    kp[4] = [30, 30, 1]
    results = dict(pose_keypoints=kp, person=np.zeros((128, 96, 3)), pose=np.zeros(1))
    out = GeneratePoseMap(defer=True)(results)
    assert 'pose' not in out  # a map made earlier is replaced by the deferred one
    assert out['deferred_inputs'] == dict(
        pose=('pose_map', 'pose_keypoints', (('height', 128), ('width', 96), ('radius', 3))))
    assert out['pose_keypoints'].dtype == np.float32  # as the map would have used them
    assert 'defer=True' in repr(GeneratePoseMap(defer=True))
    with pytest.raises(ValueError, match='keypoints'):
        GeneratePoseMap(defer=True)(dict(pose_keypoints=np.zeros(18), img_shape=(64, 32)))


@pytest.mark.parametrize('radius', [0, 1, 3, 5])
def test_device_pose_maps_equal_pose_map(radius):
    """The data preprocessor's batched pose maps == pose_map, incl. half-pixel centres,
    keypoints on / beyond the borders and absent ones."""
    import torch

    from vtonbox.models.data_preprocessors.deferred_maps import pose_maps
    rng = np.random.default_rng(radius)
    height, width = 40, 24
    batch = rng.uniform(-8, 48, size=(6, 18, 3)).astype(np.float32)
    batch[0, :, :2] = np.round(batch[0, :, :2] * 2) / 2  # x.5 centres round up
    batch[1, :, :2] = [1.0, 1.0]  # x, y > 1 needed
    batch[2, :3, :2] = [[1.01, 1.01], [23.5, 39.5], [-1.0, 10.0]]
    expected = np.stack([pose_map(kp, height, width, radius) for kp in batch])
    out = pose_maps(torch.from_numpy(batch), height, width, radius)
    assert out.dtype == torch.float32 and out.shape == (6, 18, height, width)
    assert torch.equal(out, torch.from_numpy(expected))
