"""GarmentCache: encodes each distinct, uncached garment of a batch once; LRU order."""
import pytest
import torch

from tests.helpers.tiny_configs import TINY_SIZE
from vtonbox.apis.garment_cache import GarmentCache
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.deploy import optimize_for_inference


class CountingFastModel:
    """Wraps the fast graph and records the batch size of every encode_cloth call."""

    def __init__(self, fast):
        self.fast = fast
        self.encoded_batches = []

    def encode_cloth(self, cloth, cloth_mask):
        self.encoded_batches.append(cloth.shape[0])
        return self.fast.encode_cloth(cloth, cloth_mask)


@pytest.fixture
def fast(tiny_model):
    return optimize_for_inference(tiny_model, 'fp32')


def batch_with_garments(order, seed=0):
    """Inputs whose cloth i is garment order[i] of a fixed set of garments."""
    garments = random_tryon_inputs(max(order) + 1, *TINY_SIZE, seed=seed)
    return garments['cloth'][order], garments['cloth_mask'][order]


def test_encodes_distinct_garments_once_and_reuses_them(fast):
    counting = CountingFastModel(fast)
    cache = GarmentCache(capacity=4)
    cloth, mask = batch_with_garments([0, 1, 0, 2])
    features = cache.encode_batch(counting, cloth, mask, ['a', 'b', 'a', 'c'])
    assert counting.encoded_batches == [3] and cache.encoded == 3 and len(cache) == 3
    direct = fast.encode_cloth(cloth, mask)
    for got, want in zip(features.pyramid, direct.pyramid):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=0)
    # the next batch: two cached garments and one new one
    cloth2, mask2 = batch_with_garments([2, 0, 3])
    cache.encode_batch(counting, cloth2, mask2, ['c', 'a', 'd'])
    assert counting.encoded_batches == [3, 1] and cache.hits == 2
    # one garment for the whole batch: M = 1, expanded later by the model
    one = cache.encode_batch(counting, cloth[:1].expand(3, -1, -1, -1),
                             mask[:1].expand(3, -1, -1, -1), ['a', 'a', 'a'])
    assert one.num_garments == 1 and counting.encoded_batches == [3, 1]


def test_least_recently_used_garment_is_dropped(fast):
    counting = CountingFastModel(fast)
    cache = GarmentCache(capacity=2)
    cloth, mask = batch_with_garments([0, 1, 2])
    for key, index in (('a', 0), ('b', 1)):
        cache.encode_batch(counting, cloth[index:index + 1], mask[index:index + 1], [key])
    assert cache.get('a') is not None  # 'a' is now the most recently used
    cache.encode_batch(counting, cloth[2:], mask[2:], ['c'])
    assert 'a' in cache and 'c' in cache and 'b' not in cache


def test_capacity_zero_still_encodes_repeats_in_a_batch_once(fast):
    counting = CountingFastModel(fast)
    cache = GarmentCache(capacity=0)
    cloth, mask = batch_with_garments([0, 0])
    cache.encode_batch(counting, cloth, mask, ['a', 'a'])
    cache.encode_batch(counting, cloth, mask, ['a', 'a'])
    assert counting.encoded_batches == [1, 1] and len(cache) == 0


def test_bad_arguments(fast):
    with pytest.raises(ValueError, match='capacity'):
        GarmentCache(-1)
    cloth, mask = batch_with_garments([0, 1])
    with pytest.raises(ValueError, match='1 garment keys for a batch of 2'):
        GarmentCache().encode_batch(fast, cloth, mask, ['a'])
