"""Deployment: the fast inference graph (BatchNorm folding, upsample+conv fusion, the bf16
precision policy, :func:`optimize_for_inference`), ONNX export of the parser-free try-on and
its ONNX Runtime runner."""
from .bn_folding import count_batchnorms, fold_batchnorms, is_foldable_pair
from .fast_tryon import (
    ClothFeatures,
    FastParserFreeTryOn,
    FastPrediction,
    optimize_for_inference,
    supports_fast_inference,
)
from .model_setup import load_tryon_model, randomize_batchnorm_stats
from .onnx_export import DEFAULT_OPSET, TryOnExportWrapper, export_tryon_onnx
from .onnx_runtime import OnnxTryOn, max_abs_diff_vs_pytorch
from .precision import (
    NATIVE_BF16_CPU_FLAGS,
    PRECISION_DTYPES,
    Bf16Support,
    cpu_bf16_support,
    resolve_precision,
)

__all__ = [
    'fold_batchnorms', 'count_batchnorms', 'is_foldable_pair', 'ClothFeatures',
    'FastPrediction', 'supports_fast_inference', 'FastParserFreeTryOn',
    'optimize_for_inference', 'Bf16Support', 'cpu_bf16_support', 'resolve_precision',
    'PRECISION_DTYPES', 'NATIVE_BF16_CPU_FLAGS', 'load_tryon_model', 'randomize_batchnorm_stats',
    'TryOnExportWrapper', 'export_tryon_onnx', 'DEFAULT_OPSET', 'OnnxTryOn',
    'max_abs_diff_vs_pytorch'
]
