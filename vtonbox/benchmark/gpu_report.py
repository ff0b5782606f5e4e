"""The GPU report: the GPU tests and the benchmark rows a GPU user wants, written as one
JSON file and one markdown table (for docs/benchmark.md), named after the GPU. The logic
of ``tools/analysis/gpu_report.py``.

1. ``pytest -m gpu tests/test_gpu`` in a subprocess (:mod:`.gpu_tests`): pass / fail /
   skip of every test.
2. The conv peak of the GPU (``machine_peaks``: the 100 % of ``fraction_of_peak``).
3. Benchmark rows (random weights), in order of priority (:func:`plan_rows`):

   a. inference (``run_inference_benchmark``) of the fast graph at 256 x 192, batch 1, 8
      and 64, in fp32, fp16 and bf16, channels_last: images/s, latency p50 / p95, peak
      memory;
   b. training (``run_train_benchmark``: the full train step, synthetic data, the
      configs' batch size) of every stage at 256 x 192 in fp32 and fp16 AMP;
   c. inference variants at batch 8: NCHW, the model as built (fp32, and fp16 under
      plain autocast);
   d. training at 512 x 384 in fp16 AMP;
   e. ``torch.compile`` of the fast graph (the eager graph timed alongside);
   f. training in bf16 AMP at 256 x 192, and stage 4 in fp32 at 512 x 384.

Everything runs inside a time budget (:class:`Budget`; the tests get at most
:data:`TESTS_SHARE` of it): a row whose expected time (the last measured row of its kind
and size, else a default) no longer fits is skipped with a note; a row still running
when the budget is spent is stopped (``timeout``); a row that runs out of GPU memory is
noted ``oom``. FLOPs are counted once per model and size.

The dry run runs the same rows on the CPU at 64 x 64, batch 1, 1 iteration with the
synthetic twin configs (the GPU tests see no GPU and skip): the same JSON and markdown
structure, for checking the tool itself, not a measurement. fp16 rows (GPU only),
``torch.compile`` rows and rows that would repeat another one at that size are listed
as skipped.
"""
import copy
import datetime
import gc
import json
import os
import os.path as osp
import platform
import signal
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import mmengine
import torch

from vtonbox.datasets import make_synthetic_viton
from vtonbox.deploy import load_tryon_model, resolve_precision
from vtonbox.utils.cli import one_line
from vtonbox.utils.model_loading import load_config

from .data import samples_needed
from .gpu_tests import run_gpu_tests, skipped_tests
from .inference import InferenceOptions, run_inference_benchmark
from .peak import conv_peak_gflops, machine_peaks
from .report import format_number
from .training import TrainOptions, run_train_benchmark

#: The tool the report names as its author.
TOOL = 'tools/analysis/gpu_report.py'

STAGES = ('pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student', 'cpvton_gmm')
PRECISIONS = ('fp32', 'fp16', 'bf16')
INFERENCE_BATCHES = (1, 8, 64)
#: Batch of the inference variants (NCHW, model as built, torch.compile).
VARIANT_BATCH = 8
INFERENCE_SIZE = (256, 192)
TRAIN_SIZES = ((256, 192), (512, 384))
DRY_RUN_SIZE = (64, 64)
DEFAULT_BUDGET_S = 450.0
#: Kept free of rows: writing the report, giving memory back.
RESERVE_S = 10.0
#: The GPU tests get at most this share of the budget (and --tests-timeout-s).
TESTS_SHARE = 0.5
DEFAULT_TESTS_TIMEOUT_S = 240.0
#: Expected seconds of a row before one of its group has been measured.
DEFAULT_ESTIMATES_S = {'inference': 10.0, 'inference/compile': 150.0, 'train/256x192': 25.0,
                       'train/512x384': 40.0}
FALLBACK_ESTIMATE_S = 30.0
PEAK_ESTIMATE_S = 10.0
DRY_RUN_PEAK_SHAPE = (1, 32, 16, 12)
#: What a row's ``status`` is after :func:`run_row` ('pending' before it runs).
STATUSES = ('ok', 'skipped', 'timeout', 'oom', 'error')
#: Keys of a benchmark result kept in a row's ``metrics`` (the full result is kept too).
METRIC_KEYS = ('images_per_s', 'images_per_s_median', 'latency_ms_p50', 'latency_ms_p95',
               'latency_ms_mean', 'peak_mem_mb', 'peak_mem_kind', 'gflop_per_image',
               'gflop_per_s', 'fraction_of_peak', 'precision', 'first_call_s',
               'speedup_vs_eager', 'speedup_vs_eager_median', 'data_wait_fraction',
               'warmup_s', 'compiled_networks')
MIB = 2 ** 20


class RowTimeout(BaseException):
    """The time budget ran out while a row was running (a ``BaseException``, like
    ``KeyboardInterrupt``, so that ``except Exception`` in the code it interrupts does not
    swallow it)."""


@dataclass
class Row:
    """One benchmark row: what runs, and (after :func:`run_row`) how it went."""

    kind: str  # 'inference' or 'train'
    name: str  # inference graph ('fast', 'model') or training stage
    config: str
    size: Tuple[int, int]
    batch_size: int
    precision: str
    channels_last: bool = True
    compile: bool = False
    status: str = 'pending'
    note: str = ''
    #: The row's id on a GPU (the dry run shrinks size and batch).
    planned: str = ''
    wall_s: Optional[float] = None
    metrics: Dict[str, object] = field(default_factory=dict)
    result: Dict[str, object] = field(default_factory=dict)

    @property
    def id(self) -> str:
        size = f'{self.size[0]}x{self.size[1]}'
        parts = [self.kind, self.name, size, f'b{self.batch_size}', self.precision]
        if self.kind == 'inference' and not self.channels_last:
            parts.append('nchw')
        if self.compile:
            parts.append('compile')
        return '/'.join(parts)

    @property
    def group(self) -> str:
        """Rows that take about as long as each other (the budget's estimates)."""
        if self.kind == 'inference':
            return 'inference/compile' if self.compile else 'inference'
        return f'train/{self.size[0]}x{self.size[1]}'

    def as_dict(self) -> dict:
        data = asdict(self)
        data['id'] = self.id
        data['planned'] = self.planned or self.id
        data['size'] = list(self.size)
        return data


class Budget:
    """Wall-clock budget of the whole report (``clock`` is injectable for tests)."""

    def __init__(self, total_s: float, reserve_s: float = RESERVE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total_s, self.reserve_s, self.clock = float(total_s), float(reserve_s), clock
        self.start = clock()

    def elapsed(self) -> float:
        return self.clock() - self.start

    def remaining(self) -> float:
        """Seconds left for work (the reserve excluded); may be negative."""
        return self.total_s - self.reserve_s - self.elapsed()

    def fits(self, estimate_s: float) -> bool:
        return self.remaining() >= estimate_s


@contextmanager
def time_limit(seconds: float):
    """Raise :class:`RowTimeout` in the main thread after ``seconds`` (SIGALRM; no limit
    where there is none, e.g. on Windows or in another thread)."""
    usable = (hasattr(signal, 'setitimer') and seconds > 0
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(_signum, _frame):
        raise RowTimeout(f'stopped after {seconds:.0f} s: the time budget is spent')

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------- the plan
def plan_rows(stages: Sequence[str], inference_config: str, config_dir: str,
              train_batch: Dict[str, int], dry_run: bool) -> List[Row]:
    """Every row in order of priority (the time budget cuts the tail)."""
    rows: List[Row] = []
    infer = dict(kind='inference', config=inference_config, size=INFERENCE_SIZE)

    def train(stage, size, precision):
        return Row('train', stage, osp.join(config_dir, f'{stage}.py'), size,
                   train_batch[stage], precision, channels_last=False)

    for batch in INFERENCE_BATCHES:  # 1. the fast graph as the Inferencer runs it
        rows += [Row(name='fast', batch_size=batch, precision=p, **infer) for p in PRECISIONS]
    small, large = TRAIN_SIZES
    for stage in stages:  # 2. training, fp32 and fp16 AMP
        rows += [train(stage, small, 'fp32'), train(stage, small, 'fp16')]
    variant = dict(batch_size=VARIANT_BATCH, **infer)
    rows += [  # 3. inference variants: NCHW, the model as built (naive autocast)
        Row(name='fast', precision='fp32', channels_last=False, **variant),
        Row(name='fast', precision='fp16', channels_last=False, **variant),
        Row(name='model', precision='fp32', channels_last=False, **variant),
        Row(name='model', precision='fp16', channels_last=False, **variant),
    ]
    rows += [train(stage, large, 'fp16') for stage in stages]  # 4. 512 x 384
    rows += [  # 5. torch.compile (the eager graph timed alongside)
        Row(name='fast', precision='fp16', compile=True, **variant),
        Row(name='fast', batch_size=1, precision='fp16', compile=True, **infer),
        Row(name='fast', precision='bf16', compile=True, **variant),
    ]
    rows += [train(stage, small, 'bf16') for stage in stages]  # 6. bf16 AMP
    if 'pfafn_student' in stages:
        rows.append(train('pfafn_student', large, 'fp32'))
    if dry_run:
        rows = shrink_for_dry_run(rows)
    return rows


def shrink_for_dry_run(rows: List[Row]) -> List[Row]:
    """Tiny size, batch 1; rows that would repeat an earlier one (also bf16 on a CPU
    without native bf16, which runs as fp32), fp16 (GPU only) and torch.compile (minutes
    on a CPU) are skipped with a note."""
    seen: Dict[str, str] = {}
    out = []
    for row in rows:
        row = copy.deepcopy(row)
        row.planned = row.id
        row.size, row.batch_size = DRY_RUN_SIZE, 1
        if row.precision == 'fp16':
            row.status, row.note = 'skipped', 'fp16 runs on CUDA only'
            out.append(row)
            continue
        if row.compile:
            row.status, row.note = 'skipped', 'dry run: torch.compile takes minutes on a CPU'
            out.append(row)
            continue
        ran_as = copy.copy(row)
        with warnings.catch_warnings():  # the note says it
            warnings.simplefilter('ignore', RuntimeWarning)
            ran_as.precision = resolve_precision(row.precision, torch.device('cpu'))
        if ran_as.id in seen:
            row.status = 'skipped'
            row.note = (f'dry run: at {row.size[0]} x {row.size[1]}, batch 1 the same as '
                        f'{seen[ran_as.id]}')
            if ran_as.precision != row.precision:
                row.note += f' (this CPU runs {row.precision} as {ran_as.precision})'
        else:
            seen[ran_as.id] = row.planned
        out.append(row)
    return out


# ---------------------------------------------------------------------- running rows
@dataclass
class Settings:
    """How rows run (GPU defaults; tiny for the dry run)."""

    device: str = 'cuda'
    inference_iters: int = 20
    inference_warmup: int = 5
    train_iters: int = 5
    train_warmup: int = 2
    num_workers: int = 4
    seed: int = 0
    peak: bool = True


class RowRunner:
    """Runs rows through the benchmark functions, sharing what rows have in common: the
    inference model, one synthetic dataset per size, FLOP counts per model and size."""

    def __init__(self, settings: Settings, data_dir: str) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.models: Dict[Tuple[str, str], torch.nn.Module] = {}
        self.configs: Dict[str, object] = {}
        self.datasets: Dict[Tuple[int, int], str] = {}
        self.flops: Dict[Tuple[str, str, Tuple[int, int]], float] = {}
        self.peaks: Optional[Dict[str, float]] = None
        self.estimates: Dict[str, float] = dict(DEFAULT_ESTIMATES_S)

    def config(self, path: str):
        if path not in self.configs:
            self.configs[path] = load_config(path)
        return self.configs[path]

    def inference_model(self, path: str):
        key = (path, self.settings.device)
        if key not in self.models:
            self.models[key], _ = load_tryon_model(self.config(path), None,
                                                   self.settings.device, self.settings.seed)
        return self.models[key]

    def dataset(self, size: Tuple[int, int], batch: int) -> str:
        """A synthetic training set at ``size`` large enough for every stage's rows."""
        steps = self.settings.train_warmup + self.settings.train_iters + 1
        needed = samples_needed(batch, steps)
        root = self.datasets.get(size)
        if root is None or len(os.listdir(osp.join(root, 'train_img'))) < needed:
            root = osp.join(self.data_dir, f'synthetic_{size[0]}x{size[1]}_{needed}')
            make_synthetic_viton(root, needed, 0, self.settings.seed, size[0], size[1])
            self.datasets[size] = root
        return root

    def run(self, row: Row) -> Dict[str, object]:
        s = self.settings
        flops_key = (row.kind, row.config if row.kind == 'train' else 'inference', row.size)
        count_flops = flops_key not in self.flops
        common = dict(batch_size=row.batch_size, height=row.size[0], width=row.size[1],
                      device=s.device, precision=row.precision,
                      channels_last=row.channels_last, compile=row.compile,
                      flops=count_flops, seed=s.seed)
        if row.kind == 'inference':
            model = self.inference_model(row.config)
            result = run_inference_benchmark(model, InferenceOptions(
                iters=s.inference_iters, warmup=s.inference_warmup, graph=row.name,
                compare_eager=row.compile, profile=False, peak=False, **common))
        else:
            cfg = self.config(row.config)
            result = run_train_benchmark(cfg, TrainOptions(
                iters=s.train_iters, warmup=s.train_warmup, num_workers=s.num_workers,
                data_root=self.dataset(row.size, row.batch_size), **common))
        if count_flops and result.get('gflop_per_image') is not None:
            self.flops[flops_key] = result['gflop_per_image']
        gflop = self.flops.get(flops_key)
        if gflop is not None:
            result['gflop_per_image'] = gflop
            result['gflop_per_s'] = gflop * result['images_per_s']
        if self.peaks and result.get('gflop_per_s') and result.get('precision') in self.peaks:
            result['fraction_of_peak'] = result['gflop_per_s'] / self.peaks[result['precision']]
        return result


def measure_peaks(settings: Settings, budget: Budget) -> Tuple[Optional[dict], str]:
    """Conv peak GFLOP/s of the device (the 100 % of ``fraction_of_peak``): fp32, bf16,
    fp16 on a GPU; the dry run times a small fp32 convolution once (the code path)."""
    if not settings.peak:
        return None, 'not measured'
    if not budget.fits(PEAK_ESTIMATE_S):
        return None, 'skipped: over the time budget'
    try:
        with time_limit(budget.remaining()):
            if torch.device(settings.device).type == 'cpu':
                return {'fp32': conv_peak_gflops(torch.float32, True, 'cpu', 1,
                                                 DRY_RUN_PEAK_SHAPE)}, 'dry run: small conv'
            return machine_peaks(settings.device), 'ok'
    except Exception as error:  # e.g. a GPU without bf16 convolutions
        return None, f'{type(error).__name__}: {one_line(str(error))}'[:300]
    finally:
        _free_memory(settings.device)


def _is_oom(error: BaseException) -> bool:
    oom = getattr(torch.cuda, 'OutOfMemoryError', None)
    return (oom is not None and isinstance(error, oom)) or 'out of memory' in str(error)


def _free_memory(device: str) -> None:
    gc.collect()
    if torch.device(device).type == 'cuda' and torch.cuda.is_initialized():
        torch.cuda.synchronize()
        torch.cuda.empty_cache()


def run_row(row: Row, runner: RowRunner, budget: Budget) -> Row:
    """Run one row within the budget and record status, note, metrics and wall time."""
    if row.status != 'pending':
        return row
    if torch.device(runner.settings.device).type == 'cpu' and row.precision == 'fp16':
        row.status, row.note = 'skipped', 'fp16 runs on CUDA only'
        return row
    estimate = runner.estimates.get(row.group, FALLBACK_ESTIMATE_S)
    if not budget.fits(estimate):
        row.status = 'skipped'
        row.note = (f'over the time budget: {max(budget.remaining(), 0):.0f} s left, '
                    f'the row needs about {estimate:.0f} s')
        return row
    start = time.monotonic()
    try:
        with time_limit(budget.remaining()):
            result = runner.run(row)
    except RowTimeout as error:
        row.status, row.note = 'timeout', str(error)
    except Exception as error:  # one row's failure must not stop the report
        if _is_oom(error):
            row.status, row.note = 'oom', 'out of GPU memory'
        else:
            row.status = 'error'
            row.note = f'{type(error).__name__}: {one_line(str(error))}'[:500]
    else:
        row.status = 'ok'
        row.result = result
        row.metrics = {k: result[k] for k in METRIC_KEYS if k in result}
        if result.get('precision') not in (None, row.precision):
            row.note = f"ran as {result['precision']} (no {row.precision} on this device)"
    finally:
        row.wall_s = time.monotonic() - start
        _free_memory(runner.settings.device)
    if row.status == 'ok':
        runner.estimates[row.group] = row.wall_s
    return row


# ---------------------------------------------------------------------- report
def environment(device: torch.device) -> dict:
    """Versions, CPU count and (on a GPU) its name, memory, capability and TF32 flags."""
    info = dict(python=platform.python_version(), torch=torch.__version__,
                mmengine=mmengine.__version__, cuda=torch.version.cuda,
                cudnn=torch.backends.cudnn.version() if torch.backends.cudnn.is_available()
                else None, cpu_count=os.cpu_count(), device=str(device), gpu=None)
    if device.type == 'cuda':
        props = torch.cuda.get_device_properties(device)
        info.update(gpu=props.name, gpu_count=torch.cuda.device_count(),
                    gpu_memory_mib=round(props.total_memory / MIB),
                    capability=f'{props.major}.{props.minor}',
                    bf16_supported=torch.cuda.is_bf16_supported(),
                    tf32_convolutions=torch.backends.cudnn.allow_tf32,
                    tf32_matmul=torch.backends.cuda.matmul.allow_tf32)
    return info


def _fmt(value, digits: int = 3) -> str:
    """A report cell: significant digits below 1000, whole numbers from there."""
    return format_number(value, digits, fixed_from=1000, fixed_digits=0)


#: The markdown tables: row kind, title, header line, alignment line.
TABLES = (
    ('inference', '#### Inference (person, cloth, mask -> try-on)',
     '| graph | size | batch | precision | channels_last | compile | images/s | '
     'latency p50 / p95 (ms) | peak MiB | GFLOP/s | status |',
     '|---|---|---:|---|---|---|---:|---:|---:|---:|---|'),
    ('train', '#### Training (full train step, synthetic data)',
     '| stage | size | batch | precision | images/s | step p50 / p95 (ms) | '
     'peak MiB | GFLOP / image | data wait | status |',
     '|---|---|---:|---|---:|---:|---:|---:|---:|---|'),
)


def _table_cells(row: dict) -> List[str]:
    """The cells of a row's line in its table (:data:`TABLES`)."""
    m = row['metrics']
    inference = row['kind'] == 'inference'
    cells = [row['name'], f"{row['size'][0]} x {row['size'][1]}", str(row['batch_size']),
             row['precision']]
    if inference:
        cells += ['yes' if row['channels_last'] else 'no', 'yes' if row['compile'] else 'no']
    cells += [_fmt(m.get('images_per_s')),
              f"{_fmt(m.get('latency_ms_p50'))} / {_fmt(m.get('latency_ms_p95'))}",
              _fmt(m.get('peak_mem_mb'), 4)]
    if inference:
        cells.append(_fmt(m.get('gflop_per_s')))
    else:
        wait = m.get('data_wait_fraction')
        cells += [_fmt(m.get('gflop_per_image'), 4),
                  '-' if wait is None else f'{100 * wait:.1f} %']
    return cells + [_status(row)]


def _status(row: dict) -> str:
    text = row['status'] if not row['note'] else f"{row['status']}: {row['note']}"
    return text.replace('|', '/')


def markdown(report: dict) -> str:
    env = report['environment']
    title = env['gpu'] or f"CPU ({env['cpu_count']} cores)"
    lines = [f'### GPU report: {title}', '']
    if report['dry_run']:
        lines += ['**Dry run** on the CPU (64 x 64, batch 1, 1 iteration, synthetic twin '
                  'configs): checks the tool, not a measurement.', '']
    facts = [f"torch {env['torch']}", f"CUDA {env['cuda']}", f"cuDNN {env['cudnn']}",
             f"mmengine {env['mmengine']}"]
    if env.get('gpu'):
        facts += [f"{env['gpu_count']} GPU(s)", f"{env['gpu_memory_mib']} MiB",
                  f"compute capability {env['capability']}",
                  f"TF32 convolutions {'on' if env['tf32_convolutions'] else 'off'}"]
    lines += [', '.join(facts) + f". Measured {report['started']} with "
              f"`{TOOL}` in {report['elapsed_s']:.0f} s (budget "
              f"{report['budget_s']:.0f} s); random weights.", '']
    if report.get('peak_gflop_per_s'):
        peaks = ', '.join(f'{k} {v / 1000:.3g}' for k, v in report['peak_gflop_per_s'].items())
        lines += [f"Conv peak (3x3, 256 ch, 64 x 48, batch 4), TFLOP/s: {peaks} "
                  f"({report['peak_note']}).", '']
    tests = report['tests']
    counts = tests['summary']
    if tests.get('command'):
        text = (f"**GPU tests** (`pytest -m gpu`): {counts['passed']} passed, "
                f"{counts['failed'] + counts['error']} failed, {counts['skipped']} skipped "
                f"in {tests['duration_s']:.0f} s")
        if tests['timed_out']:
            text += f" (stopped at the {tests['timeout_s']} s limit)"
        lines.append(text + '.')
        lines += [f"* `{c['name']}`: {c['outcome']}: {c['message']}" for c in tests['cases']
                  if c['outcome'] in ('failed', 'error')]
    else:
        lines.append(f"**GPU tests**: not run ({tests.get('note', '')}).")
    lines.append('')
    for kind, title, header, alignment in TABLES:
        if kind == 'train':
            lines.append('')
        lines += [title, '', header, alignment]
        lines += ['| ' + ' | '.join(_table_cells(row)) + ' |' for row in report['rows']
                  if row['kind'] == kind]
    return '\n'.join(lines) + '\n'


def output_name(env: dict, dry_run: bool) -> str:
    if dry_run:
        return 'gpu_report_dry_run'
    slug = ''.join(c if c.isalnum() else '_' for c in env['gpu']).strip('_').lower()
    return f'gpu_report_{slug}'


def output_paths(report: dict, out_dir: str) -> Tuple[str, str]:
    """The JSON and markdown paths of ``report`` in ``out_dir``."""
    name = output_name(report['environment'], report['dry_run'])
    return tuple(osp.join(out_dir, f'{name}.{ext}') for ext in ('json', 'md'))


def write_report(report: dict, out_dir: str) -> Tuple[str, str]:
    """Write ``report`` as JSON (everything) and markdown (the tables); returns the
    paths. ``report['markdown']`` is set to the markdown path."""
    json_path, md_path = output_paths(report, out_dir)
    report['markdown'] = md_path
    with open(json_path, 'w') as f:
        json.dump(report, f, indent=2, default=str)
    with open(md_path, 'w') as f:
        f.write(markdown(report))
    return json_path, md_path


def report_failed(report: dict) -> bool:
    """A GPU test failed (or timed out) or a row raised an error."""
    tests = report['tests']
    failed = tests['summary']['failed'] + tests['summary']['error'] + int(tests['timed_out'])
    return bool(failed) or any(row['status'] == 'error' for row in report['rows'])


def settings_for(dry_run: bool, inference_iters: Optional[int] = None,
                 train_iters: Optional[int] = None) -> Settings:
    """GPU settings, or the tiny CPU ones of the dry run; ``*_iters`` override."""
    if dry_run:
        settings = Settings(device='cpu', inference_iters=1, inference_warmup=1,
                            train_iters=1, train_warmup=0, num_workers=0)
    else:
        settings = Settings(num_workers=min(4, max((os.cpu_count() or 2) // 2, 1)))
    if inference_iters:
        settings.inference_iters = inference_iters
    if train_iters:
        settings.train_iters = train_iters
    return settings


def default_configs(dry_run: bool) -> Tuple[str, str]:
    """``(inference config, folder of the stage configs)``: the real configs, or their
    synthetic twins for the dry run."""
    configs = 'configs/synthetic' if dry_run else 'configs'
    return osp.join(configs, 'pfafn_student.py'), configs


def stage_batch_sizes(stages: Sequence[str], config_dir: str) -> Dict[str, int]:
    """The training batch size of every stage's config (a missing config is a user
    error, raised before anything runs)."""
    return {stage: int(load_config(osp.join(config_dir, f'{stage}.py'))
                       .train_dataloader.batch_size) for stage in stages}


def run_gpu_report(stages: Sequence[str], inference_config: str, config_dir: str,
                   settings: Settings, budget_s: float = DEFAULT_BUDGET_S,
                   tests_timeout_s: Optional[float] = DEFAULT_TESTS_TIMEOUT_S,
                   dry_run: bool = False, log: Callable[[str], None] = print) -> dict:
    """Run the GPU tests (``tests_timeout_s=None``: not run), the conv peak and every
    row of :func:`plan_rows` within ``budget_s``; returns the report (see
    :func:`write_report`).

    Args:
        stages (Sequence[str]): training stages of :data:`STAGES` to benchmark.
        inference_config (str): config of the inference rows.
        config_dir (str): folder of the stage configs.
        settings (Settings): how rows run (see :func:`settings_for`).
        budget_s (float): time budget of tests + rows.
        tests_timeout_s (float, optional): limit of the GPU tests (and at most
            :data:`TESTS_SHARE` of the budget).
        dry_run (bool): the CPU check of the tool (see the module docstring).
        log (callable): where the progress lines go.
    """
    train_batch = stage_batch_sizes(stages, config_dir)
    load_config(inference_config)  # a missing config is a user error, before anything runs
    device = torch.device(settings.device)
    budget = Budget(budget_s)
    started = datetime.datetime.now().isoformat(timespec='seconds')
    log(f"gpu_report{' (dry run)' if dry_run else ''}: budget {budget_s:.0f} s")
    with tempfile.TemporaryDirectory(prefix='vtonbox_gpu_report_') as tmp:
        if tests_timeout_s is None:
            tests = skipped_tests('--no-tests')
        else:  # first, while this process holds no GPU memory
            limit = min(tests_timeout_s, max(budget.remaining() * TESTS_SHARE, 1.0))
            tests = run_gpu_tests(limit, tmp, hide_gpus=dry_run)
            log(f"GPU tests: {tests['summary']} in {tests['duration_s']} s")
        env = environment(device)
        log(f"device: {env['gpu'] or 'CPU'}")
        runner = RowRunner(settings, tmp)
        runner.peaks, peak_note = measure_peaks(settings, budget)
        log(f'conv peak GFLOP/s: {runner.peaks} ({peak_note})')
        rows = plan_rows(stages, inference_config, config_dir, train_batch, dry_run)
        for row in rows:
            run_row(row, runner, budget)
            speed = row.metrics.get('images_per_s')
            log(f"{row.id}: {row.status}" + (f', {speed:.3g} images/s' if speed else '')
                + (f' ({row.note})' if row.note else ''))
    return dict(tool=TOOL, dry_run=dry_run, started=started, budget_s=budget_s,
                elapsed_s=round(budget.elapsed(), 1), environment=env,
                settings=asdict(settings), peak_gflop_per_s=runner.peaks,
                peak_note=peak_note, tests=tests, rows=[row.as_dict() for row in rows])
