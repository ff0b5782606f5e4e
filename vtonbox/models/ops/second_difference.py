"""Second differences of a flow, the input of the second-order smoothness loss."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.registry import MODELS

#: The 4 fixed 3x3 filters of upstream AFlowNet, in upstream order: horizontal,
#: vertical, main diagonal, anti-diagonal (centre -2, the two neighbours 1).
SECOND_DIFFERENCE_FILTERS = (
    ((0, 0, 0), (1, -2, 1), (0, 0, 0)),
    ((0, 1, 0), (0, -2, 0), (0, 1, 0)),
    ((1, 0, 0), (0, -2, 0), (0, 0, 1)),
    ((0, 0, 1), (0, -2, 0), (1, 0, 0)),
)


@MODELS.register_module()
class SecondDifference(nn.Module):
    """Valid (unpadded) convolution of each flow channel with 4 second-difference filters.

    The filters are a non-persistent buffer: they follow ``.to(device)`` but never enter
    a state dict (upstream's training checkpoints hold them as an extra key
    ``aflow_net.weight``, which is therefore simply not expected). Computed in float32
    with autocast off: second differences of a smooth grid are ~1e-5 and vanish in bf16.

    Example:
        >>> diff = SecondDifference()
        >>> diff(torch.zeros(2, 2, 16, 12)).shape
        torch.Size([2, 2, 4, 14, 10])
    """

    def __init__(self) -> None:
        super().__init__()
        weight = torch.tensor(SECOND_DIFFERENCE_FILTERS, dtype=torch.float32).unsqueeze(1)
        self.register_buffer('weight', weight, persistent=False)

    @property
    def num_filters(self) -> int:
        return self.weight.shape[0]

    def forward(self, flow: Tensor) -> Tensor:
        """Second differences of every channel.

        Args:
            flow (Tensor): ``(N, C, H, W)``, e.g. a flow with C = 2 (x, y); H, W >= 3.

        Returns:
            Tensor: ``(N, C, 4, H - 2, W - 2)`` float32; ``[:, 0]`` are upstream's
            ``delta_x`` and ``[:, 1]`` its ``delta_y`` for a flow.
        """
        if flow.ndim != 4 or flow.shape[-1] < 3 or flow.shape[-2] < 3:
            raise ValueError(f'flow must have shape (N, C, H, W) with H, W >= 3, '
                             f'got {tuple(flow.shape)}')
        batch, channels, height, width = flow.shape
        with torch.autocast(flow.device.type, enabled=False):
            planes = flow.float().reshape(batch * channels, 1, height, width)
            diffs = F.conv2d(planes, self.weight.float())
        return diffs.view(batch, channels, self.num_filters, height - 2, width - 2)
