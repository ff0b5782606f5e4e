"""Pure metric functions, each unit-tested against the library it must agree with."""
from .fid import feature_statistics, frechet_distance
from .inception import (
    FID_FEATURE_DIM,
    FID_WEIGHTS_FILENAME,
    FID_WEIGHTS_URL,
    FIDInceptionV3,
    default_inception_weights_path,
    inception_features,
    resolve_inception_weights,
    save_random_inception_weights,
)
from .kid import kernel_inception_distance, mmd2_unbiased, polynomial_kernel
from .lpips import (
    ALEXNET_WEIGHTS_FILENAME,
    ALEXNET_WEIGHTS_URL,
    build_lpips_alex,
    default_alexnet_weights_path,
    lpips_distance,
    resolve_alexnet_weights,
    save_random_alexnet_weights,
)
from .masked_l1 import masked_l1
from .psnr import psnr
from .ssim import SSIM_VARIANTS, rgb_to_gray, ssim

__all__ = [
    'FIDInceptionV3', 'FID_FEATURE_DIM', 'FID_WEIGHTS_FILENAME', 'FID_WEIGHTS_URL',
    'default_inception_weights_path', 'resolve_inception_weights',
    'save_random_inception_weights', 'inception_features', 'feature_statistics',
    'frechet_distance', 'kernel_inception_distance', 'mmd2_unbiased', 'polynomial_kernel',
    'masked_l1', 'psnr', 'SSIM_VARIANTS', 'rgb_to_gray', 'ssim', 'ALEXNET_WEIGHTS_FILENAME',
    'ALEXNET_WEIGHTS_URL', 'build_lpips_alex', 'default_alexnet_weights_path', 'lpips_distance',
    'resolve_alexnet_weights', 'save_random_alexnet_weights'
]
