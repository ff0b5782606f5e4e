"""TryOnVisualizer: one image row per sample (person | cloth | tutor | warped cloth |
try-on | ground truth), written through MMEngine's vis backends (local files,
TensorBoard)."""
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.visualization import Visualizer

from vtonbox.registry import VISUALIZERS
from vtonbox.structures import IMAGE_FIELDS, MASK_FIELDS, TryOnDataSample

#: Width in pixels of the white gap between panels of a grid row.
PANEL_GAP = 2


def _to_hwc_uint8(value) -> np.ndarray:
    """(C, H, W) uint8 tensor/array (C = 1 or 3) -> (H, W, 3) uint8 numpy RGB."""
    array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    array = np.transpose(array, (1, 2, 0))
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return np.ascontiguousarray(array.astype(np.uint8))


def tryon_grid_row(sample: Union[TryOnDataSample, dict],
                   fields: Optional[Sequence[str]] = None) -> np.ndarray:
    """Concatenate the image fields a sample has into one (H, W_total, 3) uint8 row.

    Args:
        sample (TryOnDataSample | dict): a data sample or its ``to_dict()``.
        fields (Sequence[str], optional): fields to show, in order; by default every
            image field of :data:`IMAGE_FIELDS` present, then the warped mask.
    """
    get = sample.get if isinstance(sample, dict) else (lambda k: getattr(sample, k, None))
    fields = fields or (*IMAGE_FIELDS, 'pred_warped_mask')
    panels = [_to_hwc_uint8(get(f)) for f in fields if get(f) is not None]
    if not panels:
        raise ValueError(f'sample has none of the fields {list(fields)} to show')
    height = max(p.shape[0] for p in panels)
    gap = np.full((height, PANEL_GAP, 3), 255, np.uint8)
    row = []
    for panel in panels:
        if panel.shape[0] != height:
            pad = np.full((height - panel.shape[0], panel.shape[1], 3), 255, np.uint8)
            panel = np.concatenate([panel, pad], axis=0)
        row += [panel, gap]
    return np.concatenate(row[:-1], axis=1)


@VISUALIZERS.register_module()
class TryOnVisualizer(Visualizer):
    """Visualizer that draws try-on result grids.

    Use it as the ``visualizer`` of a config; :class:`TryOnVisualizationHook` calls
    :meth:`add_datasample` during training and testing.

    Args:
        name (str): instance name (MMEngine's ManagerMixin).
        fields (Sequence[str], optional): image fields per row (default: all present).
        max_rows (int): at most this many samples per grid.
        **kwargs: passed to :class:`mmengine.visualization.Visualizer`.
    """

    def __init__(self, name: str = 'visualizer', fields: Optional[Sequence[str]] = None,
                 max_rows: int = 4, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        unknown = set(fields or ()) - set(IMAGE_FIELDS) - set(MASK_FIELDS)
        if unknown:
            raise ValueError(f'unknown fields {sorted(unknown)}; choose from '
                             f'{IMAGE_FIELDS + MASK_FIELDS}')
        self.fields = fields
        self.max_rows = max_rows

    def draw_grid(self, data_samples: Sequence[TryOnDataSample]) -> np.ndarray:
        """Stack the rows of up to ``max_rows`` samples: (rows*H, W_total, 3) uint8."""
        rows = [tryon_grid_row(s, self.fields) for s in list(data_samples)[:self.max_rows]]
        width = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, PANEL_GAP), (0, width - r.shape[1]), (0, 0)),
                       constant_values=255) for r in rows]
        return np.concatenate(rows, axis=0)[:-PANEL_GAP]

    def add_datasample(self, name: str, image: Optional[np.ndarray] = None,
                       data_sample: Optional[Union[TryOnDataSample,
                                                   Sequence[TryOnDataSample]]] = None,
                       draw_gt: bool = True, draw_pred: bool = True, show: bool = False,
                       wait_time: float = 0, step: int = 0, **kwargs) -> np.ndarray:
        """Draw a grid of one sample or a list of samples and send it to the backends.

        ``image``, ``draw_gt`` and ``draw_pred`` are accepted for MMEngine's interface
        and ignored: the grid shows the fields the samples have.
        """
        samples = data_sample if isinstance(data_sample, (list, tuple)) else [data_sample]
        grid = self.draw_grid(samples)
        self.set_image(grid)
        if show:
            self.show(grid, win_name=name, wait_time=wait_time)
        self.add_image(name, grid, step)
        return grid
