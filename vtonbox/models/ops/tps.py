"""Thin-plate-spline (TPS) sampling grids from displaced control points (CP-VTON GMM)."""
from typing import Tuple

import torch
from torch import Tensor, nn

from vtonbox.registry import MODELS

#: CP-VTON uses a 5 x 5 grid of control points.
DEFAULT_GRID_SIZE = 5


def tps_radial_basis(squared_distance: Tensor) -> Tensor:
    """TPS kernel ``U = r^2 log(r^2)`` (as CP-VTON), with ``U(0) = 0``."""
    tiny = torch.finfo(squared_distance.dtype).tiny
    return squared_distance * torch.log(squared_distance.clamp_min(tiny))


def squared_distances(first: Tensor, second: Tensor) -> Tensor:
    """``(M, 2)`` x ``(K, 2)`` -> ``(M, K)`` exact squared Euclidean distances."""
    return (first.unsqueeze(1) - second.unsqueeze(0)).pow(2).sum(-1)


def regular_grid_points(rows: int, cols: int, dtype=torch.float32, device=None) -> Tensor:
    """``(rows * cols, 2)`` (x, y) points of a regular grid over ``[-1, 1]^2``, row-major."""
    ys = torch.linspace(-1, 1, rows, dtype=dtype, device=device)
    xs = torch.linspace(-1, 1, cols, dtype=dtype, device=device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')
    return torch.stack((grid_x.reshape(-1), grid_y.reshape(-1)), dim=1)


@MODELS.register_module()
class TPSGridGenerator(nn.Module):
    """Dense sampling grid of the TPS that maps a regular ``grid_size x grid_size`` set of
    control points P onto given target points Q (where P samples the source image).

    The TPS system matrix ``L = [[U(|P_i - P_j|), [1, P]], [[1, P]^T, 0]]`` is inverted
    once (float64) and kept as a non-persistent buffer. For output points G the grid
    is ``G + [U(|G - P|), 1, G] @ L^-1[:, :K] @ (Q - P)`` - two matmuls, no loops (the
    TPS reproduces affine maps, so interpolating the displacement ``Q - P`` and adding G
    is the same map, and ``Q = P`` gives the identity exactly). Computed in float32 with
    autocast off (grid positions need more than bf16 precision).

    Args:
        grid_size (int): control points per side (5 in CP-VTON).
    """

    def __init__(self, grid_size: int = DEFAULT_GRID_SIZE) -> None:
        super().__init__()
        if grid_size < 2:
            raise ValueError(f'grid_size must be >= 2, got {grid_size}')
        self.grid_size = grid_size
        points = regular_grid_points(grid_size, grid_size, dtype=torch.float64)
        num_points = points.shape[0]
        affine = torch.cat([points.new_ones(num_points, 1), points], dim=1)
        system = points.new_zeros(num_points + 3, num_points + 3)
        system[:num_points, :num_points] = tps_radial_basis(squared_distances(points, points))
        system[:num_points, num_points:] = affine
        system[num_points:, :num_points] = affine.t()
        self.register_buffer('control_points', points.float(), persistent=False)
        self.register_buffer('inverse_system', torch.linalg.inv(system).float(),
                             persistent=False)

    @property
    def num_points(self) -> int:
        return self.control_points.shape[0]

    def forward(self, targets: Tensor, size: Tuple[int, int]) -> Tensor:
        """Evaluate the TPS on an ``(H, W)`` output grid (align_corners=True positions).

        Args:
            targets (Tensor): ``(N, K, 2)`` normalised (x, y) sampling positions of the
                K regular control points (row-major); ``targets = control_points`` gives
                the identity grid.
            size (tuple[int, int]): output ``(H, W)``.

        Returns:
            Tensor: ``(N, 2, H, W)`` absolute normalised sampling grid (x, y), float32.
        """
        if targets.ndim != 3 or targets.shape[1:] != (self.num_points, 2):
            raise ValueError(f'targets must have shape (N, {self.num_points}, 2), '
                             f'got {tuple(targets.shape)}')
        height, width = size
        with torch.autocast(targets.device.type, enabled=False):
            targets = targets.float()
            outputs = regular_grid_points(height, width, device=targets.device)
            control_points = self.control_points.float()
            basis = torch.cat([
                tps_radial_basis(squared_distances(outputs, control_points)),
                outputs.new_ones(height * width, 1), outputs], dim=1)
            weights = basis @ self.inverse_system[:, :self.num_points].float()
            displacement = torch.einsum('mk,nkc->ncm', weights, targets - control_points)
            grid = outputs.t().unsqueeze(0) + displacement
        return grid.reshape(targets.shape[0], 2, height, width)

    def extra_repr(self) -> str:
        return f'grid_size={self.grid_size}'
