"""Evaluation: metrics registered in ``METRICS``, the pinned protocol and its JSON record."""
from . import metrics  # noqa: F401
from .feature_extractor import InceptionFeatureExtractor
from .folder_evaluator import FolderEvaluation, evaluate_folders, folder_record
from .metrics import FID, KID, PSNR, SSIM, MaskedL1
from .record import build_record, fid_implementation, metric_provenance, write_record

__all__ = [
    'FID', 'KID', 'SSIM', 'PSNR', 'MaskedL1', 'InceptionFeatureExtractor', 'evaluate_folders',
    'folder_record', 'FolderEvaluation', 'build_record', 'write_record', 'fid_implementation',
    'metric_provenance'
]
