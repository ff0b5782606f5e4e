"""Pyramid feature encoders and FPNs (5 levels, strides 2..32, fine -> coarse lists)."""
from .feature_encoder import DownSample, FeatureEncoder, ResBlock
from .mobilenet_v2_pyramid import InvertedResidual, MobileNetV2Pyramid
from .refine_pyramid import RefinePyramid
from .resnet_encoder import ResNetEncoder

__all__ = ['DownSample', 'ResBlock', 'FeatureEncoder', 'RefinePyramid', 'ResNetEncoder',
           'InvertedResidual', 'MobileNetV2Pyramid']
