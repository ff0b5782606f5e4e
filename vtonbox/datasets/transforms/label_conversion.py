"""Parsing maps of other label sets (CIHP, LIP, ATR) -> the VITON 14-class ids.

After ``ConvertParsingLabels`` a VITON-HD or DressCode parsing map holds the ids of
``vtonbox.datasets.labels.PARSING_CLASSES``, so every later step (flip pairs, region
masks, deferred maps) works unchanged. The conversion is one table lookup
(``labels.parsing_lookup``); the garment category decides which source classes become
the try-on garment (id 4, ``upper_cloth_mask``), see docs/user_guides/dataset_prepare.md.
"""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from vtonbox.registry import TRANSFORMS

from ..labels import CATEGORIES, LABEL_SETS, parsing_lookup

#: Table entry of ids outside the label set.
_INVALID = 255
_LUT_SIZE = 256


def lookup_table(label_set: str, category: str) -> np.ndarray:
    """(256,) uint8 table: source id -> VITON id, 255 for ids outside the label set."""
    lut = np.full(_LUT_SIZE, _INVALID, dtype=np.uint8)
    values = parsing_lookup(label_set, category)
    lut[:len(values)] = values
    return lut


@TRANSFORMS.register_module()
class ConvertParsingLabels(BaseTransform):
    """Convert ``results[key]`` from ``label_set`` ids to the VITON 14-class ids.

    Put it right after ``LoadParsing`` (before any flip: the flip pairs are those of the
    VITON ids). Replaces ``results[key]`` with an (H, W) uint8 map of VITON ids; keeps
    the source map as ``results[f'{key}_source']`` when ``keep_source``.

    Args:
        label_set (str): ``'cihp'`` (VITON-HD), ``'atr'`` (DressCode) or ``'lip'``.
        category (str, optional): ``'upper_body'``, ``'lower_body'`` or ``'dresses'``;
            None reads ``results['category']`` (set by the VITON-HD and DressCode
            datasets, so one pipeline serves every DressCode category).
        key (str): the parsing map. Default ``'parsing'``.
        keep_source (bool): keep the source ids too. Default False.
    """

    def __init__(self, label_set: str, category: Optional[str] = None, key: str = 'parsing',
                 keep_source: bool = False) -> None:
        if label_set not in LABEL_SETS or label_set == 'viton':
            raise ValueError(f'label_set must be one of '
                             f'{tuple(s for s in LABEL_SETS if s != "viton")}, got {label_set!r}')
        if category is not None and category not in CATEGORIES:
            raise ValueError(f'category must be one of {CATEGORIES} or None, got {category!r}')
        self.label_set = label_set
        self.category = category
        self.key = key
        self.keep_source = keep_source
        self._luts: Dict[str, np.ndarray] = {
            cat: lookup_table(label_set, cat) for cat in CATEGORIES}

    def transform(self, results: dict) -> dict:
        category = self.category or results.get('category')
        if category not in self._luts:
            raise KeyError(f'ConvertParsingLabels needs category= or results["category"] '
                           f'among {CATEGORIES}, got {category!r}')
        ids = np.asarray(results[self.key])
        converted = self._luts[category][ids]
        if converted.size and converted.max() == _INVALID:
            bad = sorted(int(v) for v in np.unique(ids[converted == _INVALID]))
            where = results.get(f'{self.key}_path', self.key)
            raise ValueError(f'{where}: parsing ids {bad[:10]} are not {self.label_set} ids '
                             f'(0..{len(LABEL_SETS[self.label_set]) - 1})')
        if self.keep_source:
            results[f'{self.key}_source'] = ids
        results[self.key] = converted
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(label_set={self.label_set!r}, '
                f'category={self.category!r}, key={self.key!r})')
