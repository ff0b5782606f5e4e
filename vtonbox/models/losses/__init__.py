"""Losses of the try-on models (all registered in ``MODELS``)."""
from .distillation import FeatureDistillationLoss, FlowDistillationLoss, teacher_better_gate
from .perceptual import (
    FrozenVGG19,
    VGGPerceptualLoss,
    default_vgg19_weights_path,
    vgg19_relu_indices,
)
from .pixelwise import L1Loss
from .smoothness import SecondOrderSmoothLoss, TotalVariationLoss
from .tryon_loss import TryOnGeneratorLoss
from .warp_loss import MultiScaleWarpLoss

__all__ = [
    'VGGPerceptualLoss', 'FrozenVGG19', 'default_vgg19_weights_path', 'vgg19_relu_indices',
    'SecondOrderSmoothLoss', 'TotalVariationLoss', 'FeatureDistillationLoss',
    'FlowDistillationLoss', 'teacher_better_gate', 'MultiScaleWarpLoss', 'L1Loss',
    'TryOnGeneratorLoss'
]
