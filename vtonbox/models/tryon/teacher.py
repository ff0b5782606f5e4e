"""The frozen parser-based teacher of PF-AFN: a trained ``ParserBasedTryOn`` (stage 2)
that makes tutor images on the fly and gives the warp outputs the student is distilled
from (``docs/advanced_guides/distillation.md``)."""
from typing import Dict, NamedTuple, Optional

import torch
from mmengine.logging import print_log
from torch import Tensor

from vtonbox.models.warpers.outputs import WarpOutput
from vtonbox.registry import MODELS
from vtonbox.utils.checkpoint import CheckpointError, read_state_dict, select_prefixed
from vtonbox.utils.frozen import FrozenModule
from vtonbox.utils.state_dict import listed

from .parser_based import ParserBasedTryOn

#: Sub-networks of the stage-2 checkpoint the teacher needs.
TEACHER_PARTS = ('warp_model', 'generator')


class TeacherOutput(NamedTuple):
    """What the teacher gives the student for one batch.

    Attributes:
        tutor (Tensor): (N, 3, H, W) in [-1, 1]: the person wearing the *unpaired* cloth.
        tutor_cloth_mask (Tensor): (N, 1, H, W) in [0, 1]: where the tutor's cloth is.
        paired_warp (WarpOutput, optional): the teacher's warp of the *paired* cloth (for
            distillation); None when not requested.
    """

    tutor: Tensor
    tutor_cloth_mask: Tensor
    paired_warp: Optional[WarpOutput]


@MODELS.register_module()
class ParserBasedTeacher(FrozenModule):
    """A frozen ``ParserBasedTryOn`` loaded from a stage-2 checkpoint.

    It never trains: no gradients, eval-mode BatchNorm, excluded from the student's
    checkpoints (it is reloaded from ``checkpoint``), and run under ``torch.no_grad``.
    Its warp and generator are the try-on's own (``condition``, ``warp_model``,
    ``render``); the condition is encoded once per batch for both garments.

    Args:
        tryon (dict): the ``ParserBasedTryOn`` config without losses (the shared
            ``configs/_base_/models/pbafn_tryon.py``).
        checkpoint (str, optional): stage-2 checkpoint with keys ``warp_model.*`` and
            ``generator.*``. None keeps random weights (tests only; warns).
        made_by (str): the command that creates ``checkpoint``, quoted when it is missing.
    """

    def __init__(self, tryon: dict, checkpoint: Optional[str] = None,
                 made_by: str = 'python tools/train.py configs/pbafn_tryon.py') -> None:
        super().__init__()
        tryon = dict(tryon, warp_loss=None, gen_loss=None, init_cfg=None)
        self.tryon = MODELS.build(tryon)
        if not isinstance(self.tryon, ParserBasedTryOn):
            raise TypeError(f'the teacher must be a ParserBasedTryOn, got '
                            f'{type(self.tryon).__name__}')
        self.checkpoint = checkpoint
        if checkpoint is None:
            print_log('ParserBasedTeacher has no checkpoint: random teacher weights '
                      '(only meaningful in tests)', logger='current', level=30)
        else:
            self._load(checkpoint, made_by)
        self.freeze()

    def _load(self, checkpoint: str, made_by: str) -> None:
        state = read_state_dict(checkpoint, made_by)
        for name in TEACHER_PARTS:
            part = select_prefixed(state, f'{name}.')
            missing, _ = getattr(self.tryon, name).load_state_dict(part, strict=False)
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
        warp_model = self.tryon.warp_model
        cond_pyramid = warp_model.encode_cond(self.tryon.condition(inputs))

        def warp(cloth: Tensor, mask: Tensor) -> WarpOutput:
            masked = cloth * mask
            return warp_model.warp_pyramids(masked, mask, warp_model.encode_cloth(masked),
                                            cond_pyramid)

        warp_unpaired = warp(inputs['cloth_unpaired'], inputs['cloth_mask_unpaired'])
        tutor = self.tryon.render(inputs, warp_unpaired).tryon
        paired_warp = warp(inputs['cloth'], inputs['cloth_mask']) if paired else None
        return TeacherOutput(tutor, warp_unpaired.warped_mask, paired_warp)
