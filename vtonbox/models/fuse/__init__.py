"""Inference-only graph rewrites and precision policy: BatchNorm folding, bf16 capability
detection, and the fast parser-free try-on graph (:func:`optimize_for_inference`)."""
from .bn_folding import count_batchnorms, fold_batchnorms, is_foldable_pair
from .fast_tryon import (
    ClothFeatures,
    FastParserFreeTryOn,
    FastPrediction,
    optimize_for_inference,
    supports_fast_inference,
)
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
    'PRECISION_DTYPES', 'NATIVE_BF16_CPU_FLAGS'
]
