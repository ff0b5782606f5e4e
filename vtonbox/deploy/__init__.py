"""Deployment: ONNX export of the parser-free try-on and its ONNX Runtime runner."""
from .model_setup import load_tryon_model, randomize_batchnorm_stats
from .onnx_export import DEFAULT_OPSET, TryOnExportWrapper, export_tryon_onnx
from .onnx_runtime import OnnxTryOn, max_abs_diff_vs_pytorch

__all__ = ['load_tryon_model', 'randomize_batchnorm_stats', 'TryOnExportWrapper',
           'export_tryon_onnx', 'DEFAULT_OPSET', 'OnnxTryOn', 'max_abs_diff_vs_pytorch']
