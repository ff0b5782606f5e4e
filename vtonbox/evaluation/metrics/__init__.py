"""vtonbox.evaluation.metrics: registered MMEngine metrics around the pure functions."""
from .fid import FID
from .inception_metric import InceptionMetric
from .kid import KID
from .lpips_metric import LPIPS
from .masked_l1 import MaskedL1
from .miou import ParsingMIoU
from .paired_metric import PairedImageMetric
from .psnr import PSNR
from .ssim import SSIM

__all__ = ['FID', 'KID', 'SSIM', 'PSNR', 'MaskedL1', 'InceptionMetric', 'PairedImageMetric',
           'ParsingMIoU', 'LPIPS']
