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
