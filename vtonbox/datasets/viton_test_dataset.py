"""VITONTestDataset: person + cloth (+ mask) pairs for inference and evaluation."""
from vtonbox.registry import DATASETS

from .base_tryon_dataset import BaseTryOnDataset


@DATASETS.register_module()
class VITONTestDataset(BaseTryOnDataset):
    """VITON test pairs, paired or unpaired.

    Usually read from a pair list (``test_pairs.txt`` of the VITON test protocol,
    unpaired) or the sorted folder listing. With ``mode='auto'`` a pair is *paired*
    (the person wears that cloth, so the person image is the ground truth and
    ``PackTryOnInputs`` sets ``gt_person``) when the names say so (``X_0.jpg`` with
    ``X_1.jpg``); ``mode='paired'`` / ``'unpaired'`` force it. Sets ``test_mode`` by
    default (no refetch of another sample on failure).

    For the PF-AFN test package use
    ``data_prefix=dict(person='test_img', cloth='test_clothes', cloth_mask='test_edge')``.

    See ``BaseTryOnDataset`` for the arguments; ``split`` defaults to ``'test'``.
    """

    def __init__(self, split: str = 'test', test_mode: bool = True, **kwargs) -> None:
        super().__init__(split=split, test_mode=test_mode, **kwargs)
