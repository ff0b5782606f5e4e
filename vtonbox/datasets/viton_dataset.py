"""VITONDataset: training data of every PF-AFN stage (paired cloth + an unpaired one)."""
from typing import Optional

import numpy as np

from vtonbox.registry import DATASETS

from .base_tryon_dataset import BaseTryOnDataset


@DATASETS.register_module()
class VITONDataset(BaseTryOnDataset):
    """VITON training set: person, cloth, mask, parsing, pose, DensePose, unpaired cloth.

    Besides the sample's own files, each fetch adds ``cloth_unpaired_path`` and
    ``cloth_mask_unpaired_path`` of another sample of the split, drawn uniformly with
    numpy's global RNG (MMEngine seeds it per dataloader worker), never the sample's
    own index when the split has more than one item. Upstream drew it with a
    hard-coded ``np.random.randint(14221)``; here the draw uses the dataset length.

    See ``BaseTryOnDataset`` for the layout arguments; ``split`` defaults to
    ``'train'``.

    Example:
        >>> ds = VITONDataset(data_root='data/synthetic', pipeline=[
        ...     dict(type='LoadTryOnImage', keys=['person', 'cloth', 'cloth_unpaired'])])
    """

    DERIVED_PATH_KEYS = dict(cloth_unpaired_path='cloth_path',
                             cloth_mask_unpaired_path='cloth_mask_path')

    def draw_unpaired_index(self, idx: int) -> int:
        """A uniformly drawn index of another sample (``idx`` itself only if alone)."""
        num = len(self)
        if num <= 1:
            return idx
        other = int(np.random.randint(num - 1))
        return other + 1 if other >= idx else other

    def prepare_data(self, idx: int) -> Optional[dict]:
        data_info = self.get_data_info(idx)
        other = self.get_data_info(self.draw_unpaired_index(idx))
        for key, source in self.DERIVED_PATH_KEYS.items():
            if source in other:
                data_info[key] = other[source]
        data_info['unpaired_sample_idx'] = other['sample_idx']
        return self.pipeline(data_info)
