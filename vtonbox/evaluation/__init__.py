"""Evaluation: metrics registered in ``METRICS``, the pinned protocol and its JSON record."""
from . import metrics  # noqa: F401
from .errors import EvaluationFileNotFoundError, EvaluationInputError
from .feature_extractor import InceptionFeatureExtractor
from .folder_evaluator import EvaluationWarning, FolderEvaluation, evaluate_folders, folder_record
from .inception_plan import (
    FID_MIN_IMAGES,
    KID_MIN_IMAGES,
    InceptionMetricSpec,
    InceptionPlan,
    parse_required_metrics,
    plan_inception_metrics,
)
from .metrics import FID, KID, PSNR, SSIM, MaskedL1
from .protocols import (
    EVALUATION_PROTOCOLS,
    EvaluationProtocol,
    apply_protocol,
    get_protocol,
    protocol_evaluators,
)
from .record import (
    build_record,
    fid_implementation,
    metric_outcomes,
    metric_provenance,
    write_record,
)

__all__ = [
    'FID', 'KID', 'SSIM', 'PSNR', 'MaskedL1', 'InceptionFeatureExtractor', 'evaluate_folders',
    'folder_record', 'FolderEvaluation', 'EvaluationWarning', 'build_record', 'write_record',
    'fid_implementation', 'metric_provenance', 'metric_outcomes', 'EvaluationFileNotFoundError',
    'EvaluationInputError', 'FID_MIN_IMAGES', 'KID_MIN_IMAGES', 'InceptionMetricSpec',
    'InceptionPlan', 'parse_required_metrics', 'plan_inception_metrics', 'EVALUATION_PROTOCOLS',
    'EvaluationProtocol', 'apply_protocol', 'get_protocol', 'protocol_evaluators'
]
