"""GarmentCache: the encoded cloth branch of recently used garments.

When one garment is tried on many people (a shop's product on every model photo), the
cloth encoder and FPN of the warp model (33 of the 138 GFLOP of a PF-AFN try-on at
256 x 192) need to run once for that garment, not once per person. The cache keeps the
:class:`~vtonbox.deploy.ClothFeatures` of the last few garments, keyed by
whatever identifies a garment to the caller (its file path and mask, or the array's
identity), and encodes only the garments of a batch it has not seen.
"""
from collections import OrderedDict
from typing import Hashable, Optional, Sequence

from torch import Tensor

from vtonbox.deploy import ClothFeatures, FastParserFreeTryOn

#: Garments kept by default (~17 MB each at 256 x 192 in fp32, half that in bf16).
DEFAULT_CAPACITY = 8


def check_capacity(capacity: int) -> int:
    """``capacity`` when it is a valid number of garments to keep (an int >= 0)."""
    if not isinstance(capacity, int) or capacity < 0:
        raise ValueError(f'capacity must be an int >= 0, got {capacity!r}')
    return capacity


class GarmentCache:
    """Least-recently-used store of encoded garments.

    Args:
        capacity (int): garments kept; the least recently used one is dropped first.
            0 disables caching (every batch is encoded, repeated garments within a
            batch still once).

    Attributes:
        hits (int): garments of the batches served from the cache.
        encoded (int): garments encoded (cloth encoder + FPN runs, one per garment).
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = check_capacity(capacity)
        self.hits = 0
        self.encoded = 0
        self._store: OrderedDict[Hashable, ClothFeatures] = OrderedDict()

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._store

    def get(self, key: Hashable) -> Optional[ClothFeatures]:
        """The garment stored under ``key`` (now the most recently used), or None."""
        features = self._store.get(key)
        if features is not None:
            self._store.move_to_end(key)
        return features

    def put(self, key: Hashable, features: ClothFeatures) -> None:
        """Store one garment (M = 1), dropping the least recently used beyond capacity."""
        if self.capacity == 0:
            return
        self._store[key] = features
        self._store.move_to_end(key)
        while len(self._store) > self.capacity:
            self._store.popitem(last=False)

    def clear(self) -> None:
        """Forget every garment (the counters are kept)."""
        self._store.clear()

    def encode_batch(self, model: FastParserFreeTryOn, cloth: Tensor, cloth_mask: Tensor,
                     keys: Sequence[Hashable]) -> ClothFeatures:
        """The encoded garment of every pair of a batch, running the cloth branch only
        for the distinct garments that are not cached (as one batch).

        Args:
            model (FastParserFreeTryOn): the fast graph that encodes garments.
            cloth (Tensor): ``(N, 3, H, W)`` cloth photos in ``[-1, 1]``.
            cloth_mask (Tensor): ``(N, 1, H, W)`` binary cloth masks.
            keys (Sequence[Hashable]): N keys; equal keys mean the same garment and mask.

        Returns:
            ClothFeatures: M = 1 when every pair has the same garment (expanded by the
            model), else M = N.
        """
        if len(keys) != cloth.shape[0]:
            raise ValueError(f'{len(keys)} garment keys for a batch of {cloth.shape[0]}')
        batch = {}
        first_index = {}
        for index, key in enumerate(keys):
            if key in batch or key in first_index:
                continue
            cached = self.get(key)
            if cached is not None:
                batch[key] = cached
                self.hits += 1
            else:
                first_index[key] = index
        if first_index:
            indices = list(first_index.values())
            encoded = model.encode_cloth(cloth[indices], cloth_mask[indices])
            self.encoded += len(indices)
            for position, key in enumerate(first_index):
                batch[key] = encoded.take(position)
                # a garment taken from a larger batch is copied, so that the cache does
                # not keep the other garments' features alive
                self.put(key, batch[key] if len(indices) == 1 else batch[key].clone())
        if len(batch) == 1:
            return next(iter(batch.values()))
        return ClothFeatures.stack([batch[key] for key in keys])
