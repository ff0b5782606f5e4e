"""The frozen parser-based teacher of PF-AFN: makes tutor images on the fly and
gives the warp outputs that the student is distilled from (reference §3.4)."""
from typing import Dict, NamedTuple, Optional, Sequence

import torch
from mmengine.logging import print_log
from torch import Tensor

from vtonbox.registry import MODELS
from vtonbox.utils.checkpoint import CheckpointError, read_state_dict, select_prefixed
from vtonbox.utils.frozen import FrozenModule
from vtonbox.utils.state_dict import listed

from .teacher_inputs import (
    DENSEPOSE_ARM_IDS,
    DENSEPOSE_HAND_IDS,
    parser_based_render,
    teacher_condition,
)


class TeacherOutput(NamedTuple):
    """What the teacher gives the student for one batch.

    Attributes:
        tutor (Tensor): (N, 3, H, W) in [-1, 1]: the person wearing the *unpaired* cloth.
        tutor_cloth_mask (Tensor): (N, 1, H, W) in [0, 1]: where the tutor's cloth is.
        paired_warp: the teacher's ``WarpOutput`` for the *paired* cloth (for
            distillation); None when not requested.
    """

    tutor: Tensor
    tutor_cloth_mask: Tensor
    paired_warp: Optional[object]


@MODELS.register_module()
class ParserBasedTeacher(FrozenModule):
    """Frozen PB-AFN (warp + generator) loaded from a stage-2 checkpoint.

    It never trains: no gradients, eval-mode BatchNorm, excluded from the student's
    checkpoints (it is reloaded from ``checkpoint``), and run under ``torch.no_grad``.

    Args:
        warp_model (dict): the parser-based ``FlowWarpModel`` (45 condition channels).
        generator (dict): the parser-based ``ResUnetGenerator`` (8 input channels).
        checkpoint (str, optional): stage-2 (``ParserBasedTryOn``) checkpoint with keys
            ``warp_model.*`` and ``generator.*``. None keeps random weights (tests only;
            warns).
        made_by (str): the command that creates ``checkpoint``, quoted when it is missing.
        use_densepose (bool): whether the condition includes the DensePose one-hot.
        hand_ids, arm_ids (Sequence[int]): DensePose part ids (reference defaults).
    """

    def __init__(self, warp_model: dict, generator: dict, checkpoint: Optional[str] = None,
                 made_by: str = 'python tools/train.py configs/pbafn_tryon.py',
                 use_densepose: bool = True,
                 hand_ids: Sequence[int] = DENSEPOSE_HAND_IDS,
                 arm_ids: Sequence[int] = DENSEPOSE_ARM_IDS) -> None:
        super().__init__()
        self.warp_model = MODELS.build(warp_model)
        self.generator = MODELS.build(generator)
        self.use_densepose = use_densepose
        self.hand_ids = tuple(hand_ids)
        self.arm_ids = tuple(arm_ids)
        self.checkpoint = checkpoint
        if checkpoint is None:
            print_log('ParserBasedTeacher has no checkpoint: random teacher weights '
                      '(only meaningful in tests)', logger='current', level=30)
        else:
            self._load(checkpoint, made_by)
        self.freeze()

    def _load(self, checkpoint: str, made_by: str) -> None:
        state = read_state_dict(checkpoint, made_by)
        for name in ('warp_model', 'generator'):
            part = select_prefixed(state, f'{name}.')
            module = getattr(self, name)
            missing, unexpected = module.load_state_dict(part, strict=False)
            if missing or not part:
                detail = f'{len(missing)} missing keys: {listed(missing)}' if part else \
                    f'no {name}.* keys'
                raise CheckpointError(checkpoint, f'does not hold a parser-based {name} '
                                      f'({detail})', f'pass the checkpoint written by: {made_by}')

    @torch.no_grad()
    def forward(self, inputs: Dict[str, Tensor], paired: bool = True) -> TeacherOutput:
        """Tutor images for a batch (and the paired-cloth warp for distillation).

        Args:
            inputs (dict): the batch (data contract): ``person``, the parsing region
                masks, ``pose``, ``densepose`` (+ ``densepose_onehot``), ``cloth``,
                ``cloth_mask``, ``cloth_unpaired``, ``cloth_mask_unpaired``.
            paired (bool): also warp the paired cloth (needed for distillation).
        """
        cond = teacher_condition(inputs, self.use_densepose)
        mask_un = inputs['cloth_mask_unpaired']
        warp_un = self.warp_model(cond, inputs['cloth_unpaired'] * mask_un, mask_un)
        tutor = parser_based_render(self.generator, inputs, warp_un, None, self.hand_ids,
                                    self.arm_ids).tryon
        paired_warp = None
        if paired:
            mask = inputs['cloth_mask']
            paired_warp = self.warp_model(cond, inputs['cloth'] * mask, mask)
        return TeacherOutput(tutor, warp_un.warped_mask, paired_warp)
