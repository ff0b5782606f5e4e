"""Teacher-to-student distillation losses of PF-AFN (docs/advanced_guides/losses.md).

The parser-free student's warper is pulled towards the parser-based teacher's cond
FPN features and flows, but only for samples where the teacher warps the real cloth
better than the student (:func:`teacher_better_gate`). Every level is normalised by
the number of gated samples ``n = max(sum(gate), 1)``; no batch or image size is
assumed (upstream reshaped with a hard-coded batch size and 256x192).
"""
from abc import ABCMeta, abstractmethod
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn

from vtonbox.registry import MODELS

#: Upstream weights: features ``(5 - num) * 0.04`` for num = 0..4 (coarse -> fine).
FEATURE_LEVEL_WEIGHTS = (0.2, 0.16, 0.12, 0.08, 0.04)
#: Upstream: flows of levels num >= 2 only, weighted ``num + 1``.
FLOW_LEVELS = (2, 3, 4)
FLOW_LEVEL_WEIGHTS = (3.0, 4.0, 5.0)


@torch.no_grad()
def teacher_better_gate(teacher_warped: torch.Tensor, student_warped: torch.Tensor,
                        target: torch.Tensor) -> torch.Tensor:
    """Per-sample gate: 1 where the teacher's warped cloth is closer to the target.

    ``e_T = mean|teacher_warped - target|`` and ``e_S`` likewise, per sample;
    ``gate = e_T < e_S``. Detached.

    Args:
        teacher_warped (Tensor): (N, C, H, W) teacher's warped cloth.
        student_warped (Tensor): (N, C, H, W) student's warped cloth.
        target (Tensor): (N, C, H, W) the person's real cloth region.

    Returns:
        Tensor: (N,) float32 in {0, 1}.
    """
    if not (teacher_warped.shape == student_warped.shape == target.shape) \
            or teacher_warped.ndim < 2:
        raise ValueError('teacher_warped, student_warped and target must have the same '
                         f'(N, ...) shape, got {tuple(teacher_warped.shape)}, '
                         f'{tuple(student_warped.shape)}, {tuple(target.shape)}')
    target = target.float()
    teacher_error = (teacher_warped.float() - target).abs().flatten(1).mean(dim=1)
    student_error = (student_warped.float() - target).abs().flatten(1).mean(dim=1)
    return (teacher_error < student_error).float()


class _GatedLevelDistillation(nn.Module, metaclass=ABCMeta):
    """Shared level selection, weighting and gated normalisation."""

    def __init__(self, levels: Optional[Sequence[int]], level_weights: Sequence[float],
                 loss_weight: float) -> None:
        super().__init__()
        if levels is not None and len(levels) != len(level_weights):
            raise ValueError(f'levels ({len(levels)}) and level_weights '
                             f'({len(level_weights)}) must have the same length')
        self.levels = None if levels is None else tuple(levels)
        self.level_weights = tuple(float(w) for w in level_weights)
        self.loss_weight = loss_weight

    @abstractmethod
    def level_distance(self, student: torch.Tensor,
                       teacher: torch.Tensor) -> Tuple[torch.Tensor, int]:
        """Per-sample summed distance (N,) and its per-sample normaliser."""

    def forward(self, student: Sequence[torch.Tensor], teacher: Sequence[torch.Tensor],
                gate: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Sequence[Tensor]): per-level student tensors, coarse -> fine.
            teacher (Sequence[Tensor]): teacher tensors of the same shapes (detached here).
            gate (Tensor, optional): (N,) in {0, 1} from :func:`teacher_better_gate`;
                all samples count when None.

        Returns:
            Tensor: scalar float32, ``loss_weight * sum_l w_l * d_l``.
        """
        if len(student) != len(teacher):
            raise ValueError(f'student has {len(student)} levels, teacher {len(teacher)}')
        levels = self.levels if self.levels is not None else tuple(range(len(student)))
        if len(levels) != len(self.level_weights) or max(levels) >= len(student):
            raise ValueError(f'levels {levels} with weights {self.level_weights} do not fit '
                             f'{len(student)} given levels')
        batch = student[levels[0]].shape[0]
        if gate is None:
            gate = student[levels[0]].new_ones(batch, dtype=torch.float32)
        if gate.shape != (batch, ):
            raise ValueError(f'gate must have shape ({batch},), got {tuple(gate.shape)}')
        gate = gate.detach().float()
        num_gated = gate.sum().clamp(min=1)
        loss = gate.new_zeros(())
        for weight, level in zip(self.level_weights, levels):
            s, t = student[level], teacher[level].detach()
            if s.shape != t.shape:
                raise ValueError(f'level {level}: student {tuple(s.shape)} and teacher '
                                 f'{tuple(t.shape)} differ')
            per_sample, per_sample_size = self.level_distance(s.float(), t.float())
            loss = loss + weight * (gate * per_sample).sum() / (per_sample_size * num_gated)
        return self.loss_weight * loss


@MODELS.register_module()
class FeatureDistillationLoss(_GatedLevelDistillation):
    """Squared error between teacher and student cond FPN features.

    Level l: ``sum_{gated b} sum_{c,h,w} (T - S)**2 / (C * h * w * n)``.

    Args:
        levels (Sequence[int], optional): indices of the distilled levels; all given
            levels when None.
        level_weights (Sequence[float]): one weight per distilled level; upstream
            0.2, 0.16, 0.12, 0.08, 0.04 for the 5 levels coarse -> fine.
        loss_weight (float): factor on the total.
    """

    def __init__(self, levels: Optional[Sequence[int]] = None,
                 level_weights: Sequence[float] = FEATURE_LEVEL_WEIGHTS,
                 loss_weight: float = 1.0) -> None:
        super().__init__(levels, level_weights, loss_weight)

    def level_distance(self, student: torch.Tensor,
                       teacher: torch.Tensor) -> Tuple[torch.Tensor, int]:
        """student, teacher (Tensor): (N, C, h, w) -> ((N,) sums, C * h * w)."""
        per_sample = (teacher - student).pow(2).flatten(1).sum(dim=1)
        return per_sample, student[0].numel()


@MODELS.register_module()
class FlowDistillationLoss(_GatedLevelDistillation):
    """Per-pixel L2 distance between teacher and student flows.

    Level l: ``sum_{gated b} sum_{h,w} ||T - S||_2 (over the 2 channels) / (h * w * n)``;
    flows are absolute sampling grids in normalised units.

    Args:
        levels (Sequence[int], optional): distilled levels; upstream (2, 3, 4) (flows
            at 64x48, 128x96, 256x192 for 256x192 inputs).
        level_weights (Sequence[float]): upstream 3, 4, 5 (``num + 1``).
        loss_weight (float): factor on the total.
    """

    def __init__(self, levels: Optional[Sequence[int]] = FLOW_LEVELS,
                 level_weights: Sequence[float] = FLOW_LEVEL_WEIGHTS,
                 loss_weight: float = 1.0) -> None:
        super().__init__(levels, level_weights, loss_weight)

    def level_distance(self, student: torch.Tensor,
                       teacher: torch.Tensor) -> Tuple[torch.Tensor, int]:
        """student, teacher (Tensor): (N, 2, h, w) -> ((N,) sums, h * w)."""
        if student.ndim != 4 or student.shape[1] != 2:
            raise ValueError(f'flows must be (N, 2, h, w), got {tuple(student.shape)}')
        per_pixel = torch.linalg.vector_norm(teacher - student, ord=2, dim=1)
        return per_pixel.flatten(1).sum(dim=1), per_pixel[0].numel()
