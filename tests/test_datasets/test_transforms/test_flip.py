"""TryOnRandomFlip: every modality flipped together, left/right ids and keypoints swapped."""
import numpy as np
import pytest

from vtonbox.datasets.labels import PARSING_IDS
from vtonbox.datasets.synthetic import render_sample
from vtonbox.datasets.transforms import (
    DensePoseToOneHot,
    GeneratePoseMap,
    TryOnRandomFlip,
    visible_keypoints,
)


def _sample():
    s = render_sample(seed=1, split='train', index=2, height=64, width=48)
    return dict(person=s.person.copy(), cloth=s.cloth.copy(), cloth_mask=s.cloth_mask.copy(),
                parsing=s.parsing.copy(), densepose=s.densepose.copy(),
                pose_keypoints=s.keypoints.copy())


def _side_mean_x(label_map, ids):
    return np.nonzero(np.isin(label_map, ids))[1].mean()


def test_flip_swaps_sides_consistently():
    original = _sample()
    flipped = TryOnRandomFlip(prob=1.0)(_sample())
    assert flipped['flip'] is True
    assert np.array_equal(flipped['person'], original['person'][:, ::-1])
    assert np.array_equal(flipped['cloth_mask'], original['cloth_mask'][:, ::-1])
    right, left = PARSING_IDS['right_arm'], PARSING_IDS['left_arm']
    # The person's right arm stays on the image left after the flip (ids swapped).
    assert _side_mean_x(flipped['parsing'], [right]) < _side_mean_x(flipped['parsing'], [left])
    assert np.array_equal(flipped['parsing'] == right, (original['parsing'] == left)[:, ::-1])
    assert np.array_equal(flipped['densepose'] == 3, (original['densepose'] == 4)[:, ::-1])
    assert np.array_equal(flipped['densepose'] == 2, (original['densepose'] == 2)[:, ::-1])
    kp, kp0 = flipped['pose_keypoints'], original['pose_keypoints']
    width = original['person'].shape[1]
    assert kp[2, 0] == pytest.approx(width - 1 - kp0[5, 0])  # R shoulder <- mirrored L
    assert kp[2, 1] == pytest.approx(kp0[5, 1])
    assert kp[0, 0] == pytest.approx(width - 1 - kp0[0, 0])  # nose stays nose
    assert kp[2, 0] < kp[5, 0]
    # Keypoints still land on the body; absent keypoints stay absent.
    vis = visible_keypoints(kp)
    assert np.array_equal(vis, visible_keypoints(kp0)[[0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8,
                                                       9, 10, 15, 14, 17, 16]])
    xy = np.floor(kp[vis, :2] + 0.5).astype(int)
    assert np.all(flipped['parsing'][xy[:, 1], xy[:, 0]] > 0)
    twice = TryOnRandomFlip(prob=1.0)(TryOnRandomFlip(prob=1.0)(_sample()))
    for key in ('person', 'parsing', 'densepose'):
        assert np.array_equal(twice[key], original[key])
    assert np.allclose(twice['pose_keypoints'], original['pose_keypoints'], atol=1e-4)


def test_flip_of_generated_maps_matches_maps_of_flipped_sample():
    """Flipping after the pose map / one-hot equals making them after flipping."""
    make = [GeneratePoseMap(), DensePoseToOneHot()]
    late = _sample()
    for t in make:
        late = t(late)
    late = TryOnRandomFlip(prob=1.0)(late)
    early = TryOnRandomFlip(prob=1.0)(_sample())
    for t in make:
        early = t(early)
    assert np.array_equal(late['pose'], early['pose'])
    assert np.array_equal(late['densepose_onehot'], early['densepose_onehot'])


def test_flip_probability_and_repr():
    np.random.seed(0)
    flips = [TryOnRandomFlip(prob=0.5)(dict(person=np.zeros((2, 2, 3), np.uint8)))['flip']
             for _ in range(40)]
    assert 5 < sum(flips) < 35
    assert not TryOnRandomFlip(prob=0.0)(dict(person=np.zeros((2, 2, 3), np.uint8)))['flip']
    assert 'prob=0.5' in repr(TryOnRandomFlip())
    custom = TryOnRandomFlip(prob=1.0, label_swaps=dict(parsing=[(1, 2)]))
    out = custom(dict(parsing=np.array([[1, 2, 11]], dtype=np.uint8)))
    assert out['parsing'].tolist() == [[11, 1, 2]]
    with pytest.raises(ValueError, match='prob'):
        TryOnRandomFlip(prob=2)


def test_flip_after_deferred_maps_is_refused():
    results = GeneratePoseMap(defer=True)(_sample())
    with pytest.raises(ValueError, match='before'):
        TryOnRandomFlip(prob=0.0)(results)  # whatever the draw: the order is wrong
    ok = TryOnRandomFlip(prob=1.0, keys=['person'], keypoint_swaps={})(
        GeneratePoseMap(defer=True)(_sample()))
    assert ok['flip'] is True
