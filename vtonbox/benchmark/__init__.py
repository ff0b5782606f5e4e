"""Benchmarks of the try-on models: timing, FLOPs, per-module time split, the reference
graph, machine peak, and the inference / training benchmark runners used by
``tools/analysis/benchmark.py``."""
from .accuracy import compare_outputs, psnr_db
from .data import random_tryon_inputs, synthetic_test_batches
from .flops import FlopCount, analytic_correlation, correlation_flops, count_flops
from .graphs import GRAPHS, BuiltGraph, build_graph
from .inference import InferenceOptions, run_inference_benchmark
from .peak import conv_peak_gflops, machine_peaks
from .profiling import TRYON_MODULE_GROUPS, correlation_share_of_warp, module_time_split
from .reference_graph import ReferenceTryOn, use_shift_correlation
from .report import REQUIRED_KEYS, summary_lines, write_json
from .timing import Timing, peak_memory_mb, reset_peak_memory, time_callable
from .training import TrainOptions, benchmark_model_config, run_train_benchmark

__all__ = [
    'compare_outputs', 'psnr_db', 'random_tryon_inputs', 'synthetic_test_batches',
    'FlopCount', 'analytic_correlation', 'correlation_flops', 'count_flops', 'GRAPHS',
    'BuiltGraph', 'build_graph', 'InferenceOptions', 'run_inference_benchmark',
    'conv_peak_gflops', 'machine_peaks', 'TRYON_MODULE_GROUPS', 'correlation_share_of_warp',
    'module_time_split', 'ReferenceTryOn', 'use_shift_correlation', 'REQUIRED_KEYS',
    'summary_lines', 'write_json', 'Timing', 'peak_memory_mb', 'reset_peak_memory',
    'time_callable', 'TrainOptions', 'benchmark_model_config', 'run_train_benchmark'
]
