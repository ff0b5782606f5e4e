"""VITONHDDataset: VITON-HD (1024 x 768 tops) in the data contract of ``VITONDataset``."""
from typing import Dict, List, Optional

from vtonbox.registry import DATASETS

from .labels import BODY25_KEYPOINTS, CIHP_CLASSES
from .viton_dataset import VITONDataset
from .viton_hd_layout import build_samples, default_data_prefix, file_kinds, pair_file


@DATASETS.register_module()
class VITONHDDataset(VITONDataset):
    """VITON-HD train or test split (``viton_hd_layout``), any size through the pipeline.

    The files are VITON-HD's own (CIHP parsing, BODY_25 pose, DensePose rendering); the
    pipeline converts them to the VITON contract with ``ConvertParsingLabels(
    label_set='cihp')``, ``LoadPoseKeypoints(pose_format='body25')`` and, for the
    rendering, ``LoadDensePoseRendering`` + ``DensePoseRenderingToInput`` +
    ``DensePosePartsFromParsing`` (docs/user_guides/dataset_prepare.md, "VITON-HD").
    Each item also carries ``category='upper_body'``.

    Training (``test_mode=False``) adds the unpaired cloth of another sample at every
    fetch, as ``VITONDataset``; test splits don't.

    Args:
        data_root (str): the VITON-HD root (holding ``train/``, ``test/`` and the pair
            lists).
        split (str): ``'train'`` or ``'test'``.
        mode (str): ``'auto'`` (paired when the names are equal), ``'paired'`` (every
            person with their own cloth) or ``'unpaired'`` (the pair list's cloth).
        densepose_format (str): ``'rgb'`` (the shipped ``image-densepose`` renderings) or
            ``'parts'`` (part-index PNGs in ``image-densepose-parts``, made by the user).
        data_prefix (dict, optional): modality -> folder relative to ``data_root``; None
            uses ``viton_hd_layout.default_data_prefix(split, densepose_format)``.
        ann_file (str, optional): pair list relative to ``data_root``; None uses
            ``<split>_pairs.txt``.
        test_mode (bool, optional): None means ``split == 'test'``.
        **kwargs: ``pipeline``, ``check_files`` and the other ``BaseTryOnDataset``
            arguments.
    """

    METAINFO = dict(VITONDataset.METAINFO, source_parsing_classes=CIHP_CLASSES,
                    source_keypoints=BODY25_KEYPOINTS)
    LAYOUT = 'viton-hd'

    def __init__(self, data_root: str = '', split: str = 'train', mode: str = 'auto',
                 densepose_format: str = 'rgb', data_prefix: Optional[Dict[str, str]] = None,
                 ann_file: Optional[str] = None, test_mode: Optional[bool] = None,
                 **kwargs) -> None:
        self.densepose_format = densepose_format
        if data_prefix is None:
            data_prefix = default_data_prefix(split, densepose_format)
        if ann_file is None:
            ann_file = pair_file(split)
        super().__init__(data_root=data_root, data_prefix=data_prefix, ann_file=ann_file,
                         split=split, mode=mode,
                         test_mode=split == 'test' if test_mode is None else test_mode,
                         **kwargs)

    def list_samples(self) -> List[dict]:
        return build_samples(self.data_prefix, self.ann_file, self.mode, self.densepose_format)

    def file_kinds(self) -> Dict[str, str]:
        return file_kinds(self.densepose_format)

    def prepare_data(self, idx: int) -> Optional[dict]:
        if self.test_mode:
            return self.pipeline(self.get_data_info(idx))
        return super().prepare_data(idx)
