"""Parser-free AFN (the PF-AFN student): stage 3 trains the warp, stage 4 warp and
generator end to end; at inference it needs only the person photo and the cloth.

In training the student sees the *tutor* image (the person wearing another cloth,
made on the fly by the frozen teacher) and the paired cloth, and is supervised by the
real photo; optionally it is distilled from the teacher's features and flows
(docs/advanced_guides/distillation.md).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from vtonbox.models.generators.composition import TryOnComposition, compose_tryon
from vtonbox.models.losses.distillation import teacher_better_gate
from vtonbox.models.warpers.outputs import WarpOutput
from vtonbox.registry import MODELS
from vtonbox.structures import TryOnDataSample

from .base_tryon import BaseTryOnModel, cloth_targets, inference_only, share_vgg
from .teacher import TeacherOutput

#: Batch keys the teacher needs; predict() shows a tutor only when all are present.
TEACHER_KEYS = ('cloth_unpaired', 'cloth_mask_unpaired', 'face_mask', 'other_clothes_mask',
                'arm_mask', 'pose', 'densepose')


@MODELS.register_module()
class ParserFreeWarp(BaseTryOnModel):
    """Stage 3: the parser-free warp, optionally taught and distilled.

    Args:
        warp_model (dict): ``FlowWarpModel`` with 3 condition channels (the person photo).
        warp_loss (dict, optional): ``MultiScaleWarpLoss``; None builds an
            inference-only model.
        teacher (dict, optional): ``ParserBasedTeacher``; when None the student sees
            the real person photo (a plain parser-free model, no tutor).
        distill_cfg (dict, optional): ``dict(feature=<loss cfg>, flow=<loss cfg>,
            gate=True)``, optionally ``cloth_feature=<loss cfg>`` (DM-VTON's garment-side
            term on ``WarpOutput.cloth_features``, logged ``loss_distill_cloth_feature``);
            None disables distillation. Needs a teacher.
        **kwargs: see :class:`BaseTryOnModel`.
    """

    def __init__(self, warp_model: dict, warp_loss: Optional[dict] = None,
                 teacher: Optional[dict] = None, distill_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.warp_model = MODELS.build(warp_model)
        self.warp_loss = MODELS.build(warp_loss) if warp_loss else None
        self.teacher = MODELS.build(teacher) if teacher else None
        if distill_cfg and self.teacher is None:
            raise ValueError('distill_cfg needs a teacher (set model.teacher or distill_cfg=None)')
        distill_cfg = dict(distill_cfg or {})
        self.distill_gate = distill_cfg.pop('gate', True)
        self.feature_distill = MODELS.build(distill_cfg['feature']) \
            if distill_cfg.get('feature') else None
        self.flow_distill = MODELS.build(distill_cfg['flow']) if distill_cfg.get('flow') else None
        self.cloth_feature_distill = MODELS.build(distill_cfg['cloth_feature']) \
            if distill_cfg.get('cloth_feature') else None

    @property
    def distills(self) -> bool:
        return any(loss is not None for loss in (
            self.feature_distill, self.flow_distill, self.cloth_feature_distill))

    def warp(self, inputs: Dict[str, Tensor], person: Optional[Tensor] = None) -> WarpOutput:
        """Warp the (masked) paired cloth onto ``person`` (N, 3, H, W; default the
        batch's photo, the tutor image in training) -> ``WarpOutput``."""
        mask = inputs['cloth_mask']
        person = inputs['person'] if person is None else person
        return self.warp_model(person, inputs['cloth'] * mask, mask)

    def student_input(self,
                      inputs: Dict[str, Tensor]) -> Tuple[Tensor, Optional[TeacherOutput]]:
        """Tutor image (and teacher output) in training; the real photo without teacher."""
        if self.teacher is None:
            return inputs['person'], None
        teacher_out = self.teacher(inputs, paired=self.distills)
        return teacher_out.tutor, teacher_out

    def warp_losses(self, inputs: Dict[str, Tensor], out: WarpOutput,
                    teacher_out: Optional[TeacherOutput]) -> Dict[str, Tensor]:
        """Multi-scale warping loss plus the distillation terms."""
        if self.warp_loss is None:
            raise inference_only(type(self).__name__)
        target_cloth, target_mask = cloth_targets(inputs)
        losses = self.warp_loss(out, target_cloth, target_mask)
        if teacher_out is None or not self.distills:
            return losses
        teacher_warp = teacher_out.paired_warp
        gate = teacher_better_gate(teacher_warp.warped_cloth, out.warped_cloth.detach(),
                                   target_cloth) if self.distill_gate else None
        if self.feature_distill is not None:
            losses['loss_distill_feature'] = self.feature_distill(
                out.cond_features, teacher_warp.cond_features, gate)
        if self.flow_distill is not None:
            losses['loss_distill_flow'] = self.flow_distill(
                out.level_flows, teacher_warp.level_flows, gate)
        if self.cloth_feature_distill is not None:
            losses['loss_distill_cloth_feature'] = self.cloth_feature_distill(
                out.cloth_features, teacher_warp.cloth_features, gate)
        return losses

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        person, teacher_out = self.student_input(inputs)
        return self.warp_losses(inputs, self.warp(inputs, person), teacher_out)

    def tutor_fields(self, inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """``{'tutor': ...}`` for result grids when the teacher can run on this batch."""
        if self.teacher is None or not all(k in inputs for k in TEACHER_KEYS):
            return {}
        return {'tutor': self.teacher(inputs, paired=False).tutor}

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[Sequence] = None) -> List[TryOnDataSample]:
        out = self.warp(inputs)
        return self.pack_tryon(data_samples, inputs, out, **self.tutor_fields(inputs))


@MODELS.register_module()
class ParserFreeTryOn(ParserFreeWarp):
    """PF-AFN: parser-free warp + Res-UNet generator (stage 4 and inference).

    Inference (``predict``): ``warp(person, cloth * mask)``, generator on
    ``[person, warped cloth, warped mask]`` (7 channels), composition without any
    parsing. Training (``loss``, stage 4): the same on the tutor image,
    composition inside the real cloth region, loss ``warp_loss_weight * (warp +
    distillation) + generator loss`` (upstream 0.25 and 1) with the skin terms on
    ``tutor cloth mask * (1 - real cloth mask)``.

    Args:
        generator (dict): ``ResUnetGenerator`` with 7 input channels.
        gen_loss (dict, optional): ``TryOnGeneratorLoss``; None for inference-only.
        warp_loss_weight (float): weight of warp + distillation terms.
        **kwargs: see :class:`ParserFreeWarp`.
    """

    def __init__(self, warp_model: dict, generator: dict, gen_loss: Optional[dict] = None,
                 warp_loss_weight: float = 0.25, **kwargs) -> None:
        super().__init__(warp_model, **kwargs)
        self.generator = MODELS.build(generator)
        self.gen_loss = MODELS.build(gen_loss) if gen_loss else None
        if self.warp_loss is not None and self.gen_loss is not None:
            share_vgg(self.warp_loss, self.gen_loss)
        self.warp_loss_weight = warp_loss_weight

    def render(self, inputs: Dict[str, Tensor], out: WarpOutput,
               cloth_region: Optional[Tensor] = None,
               person: Optional[Tensor] = None) -> TryOnComposition:
        """Generator on ``[person, warped cloth, warped mask]`` + composition ->
        ``TryOnComposition`` (``person`` defaults to the batch's photo)."""
        person = inputs['person'] if person is None else person
        gen_input = torch.cat([person, out.warped_cloth, out.warped_mask], dim=1)
        return compose_tryon(self.generator(gen_input), out.warped_cloth, out.warped_mask,
                             cloth_region)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        if self.gen_loss is None:
            raise inference_only(type(self).__name__)
        person, teacher_out = self.student_input(inputs)
        out = self.warp(inputs, person)
        real_cloth_mask = inputs['upper_cloth_mask']
        comp = self.render(inputs, out, cloth_region=real_cloth_mask, person=person)
        losses = {k: self.warp_loss_weight * v
                  for k, v in self.warp_losses(inputs, out, teacher_out).items()}
        skin_mask = None if teacher_out is None else \
            teacher_out.tutor_cloth_mask * (1 - real_cloth_mask)
        losses.update(self.gen_loss(comp.tryon, comp.rendered, comp.composite_mask,
                                    inputs['person'], skin_mask))
        return losses

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[Sequence] = None) -> List[TryOnDataSample]:
        out = self.warp(inputs)
        comp = self.render(inputs, out)
        return self.pack_tryon(data_samples, inputs, out, comp, **self.tutor_fields(inputs))

    def tensor_forward(self, inputs: Dict[str, Tensor]) -> Tensor:
        """Try-on image only, (N, 3, H, W) in [-1, 1] (benchmarks, ONNX export)."""
        return self.render(inputs, self.warp(inputs)).tryon
