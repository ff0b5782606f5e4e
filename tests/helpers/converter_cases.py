"""Shared cases of the official-weight converter tests (PF-AFN, FS-VTON, DM-VTON) and of
their parity tests.

The converters are ``tools/model_converters/<method>_to_vtonbox.py``; ``method`` is
``'pfafn'``, ``'fsvton'`` or ``'dmvton'``, whose released weights fit
``configs/<method>_student.py``. What differs between the methods (file names, key
signatures, expected messages) stays in the test modules and is passed in."""
import os.path as osp
import subprocess
import sys
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, Optional, Tuple

import pytest
import torch
from mmengine.runner import load_checkpoint
from torch import Tensor, nn

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers import official_pfafn
from tests.helpers.tool_runs import load_tool
from vtonbox.converters.official_weights import (
    build_model_from_config,
    official_to_vtonbox_keys,
    vtonbox_to_official_key,
)
from vtonbox.utils.cli import run_tool
from vtonbox.utils.files import file_sha256

StateDict = Dict[str, Tensor]

#: Seconds for a converter subprocess (imports + building the model on a shared CPU).
CLI_TIMEOUT = 300
#: The outputs of :func:`vtonbox_forward`, named as the official forwards name them.
OUTPUT_KEYS = ('tryon', 'warped_cloth', 'warped_edge', 'rendered', 'flow')
#: Guards that random weights exercise the network (not saturated, not identity).
MIN_MEAN_FLOW_PIXELS = 1.0
MIN_RENDERED_STD = 0.05
MAX_SATURATED_FRACTION = 0.01


# ----------------------------------------------------------------------------- running a converter
def converter_path(method: str) -> str:
    """The absolute path of the ``method`` converter script."""
    return osp.join(REPO_ROOT, 'tools', 'model_converters', f'{method}_to_vtonbox.py')


def config_path(method: str) -> str:
    """The absolute path of ``configs/<method>_student.py``, which the released weights fit."""
    return osp.join(REPO_ROOT, 'configs', f'{method}_student.py')


def load_converter(method: str):
    """The module of the ``method`` converter, not run."""
    return load_tool(f'model_converters/{method}_to_vtonbox.py')


def run_converter(method: str, warp_path, gen_path, out, *args: str) -> None:
    """Runs the ``method`` converter in this process, which must succeed (exit 0)."""
    status = load_converter(method).main(['--warp', str(warp_path), '--gen', str(gen_path),
                                          '--out', str(out), *args])
    assert status == 0


def check_cli_converts(capsys, method: str, warp_path: str, gen_path: str, out,
                       num_warp_keys: int, num_gen_keys: int,
                       ignored: str) -> Tuple[str, dict, nn.Module]:
    """The ``method`` converter, run in this process, maps ``num_warp_keys`` and
    ``num_gen_keys`` onto the model of ``configs/<method>_student.py``, prints the ignored
    input keys (``ignored``), and writes a checkpoint that names that config and the
    licence and loads strictly into its model. Returns what it printed, the checkpoint and
    the model."""
    run_converter(method, warp_path, gen_path, out)
    printed = capsys.readouterr().out
    config = f'configs/{method}_student.py'
    assert (f'mapped {num_warp_keys} warp keys ({warp_path}) and {num_gen_keys} generator '
            f'keys ({gen_path}) onto ParserFreeTryOn of {config}; loaded '
            'with strict=True') in printed
    assert f'ignored input keys: {ignored}\n' in printed
    checkpoint = torch.load(out, map_location='cpu', weights_only=True)
    assert checkpoint['meta']['config'] == config
    assert 'CC BY-NC-SA 4.0' in checkpoint['meta']['license']
    return printed, checkpoint, load_converted(config_path(method), out)


def cli_error(capsys, *argv: str, method: str) -> str:
    """The one ``error:`` line (exit 2, no traceback) of the ``method`` converter for
    ``argv``, run in this process."""
    capsys.readouterr()
    status = run_tool(load_converter(method).main, list(argv))
    err = capsys.readouterr().err
    assert status == 2 and 'Traceback' not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    return lines[0]


def cli_subprocess_error(method: str, warp_path, gen_path, out) -> str:
    """The one stderr line of the ``method`` converter started as a real process, which
    must exit 2 without a traceback and write nothing to ``out``."""
    result = subprocess.run(
        [sys.executable, converter_path(method), '--warp', str(warp_path), '--gen',
         str(gen_path), '--out', str(out)],
        cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert result.returncode == 2, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert not osp.exists(out)
    return lines[0]


def load_converted(config: str, out, cfg_options: Optional[dict] = None) -> nn.Module:
    """The model of ``config`` with the converted checkpoint ``out`` loaded strictly, in
    eval mode."""
    model = build_model_from_config(config, cfg_options)
    load_checkpoint(model, str(out), map_location='cpu', strict=True, logger='silent')
    return model.eval()


# ----------------------------------------------------------------------------- official files
def official_fixtures(config: str, random_official_state_dicts: Callable):
    """Three fixtures for a converter test module to assign to its names: the model of
    ``config`` (per module), all-zero official ``(warp, gen)`` state dicts (per module;
    assign it to ``official_zeros``, the third depends on that name) and a fresh
    ``(warp, gen)`` copy of them per test, free to mutate."""

    @pytest.fixture(scope='module')
    def model():
        return build_model_from_config(config)

    @pytest.fixture(scope='module')
    def official_zeros():
        return random_official_state_dicts(zeros=True)

    @pytest.fixture
    def official_copy(official_zeros):
        warp, gen = official_zeros
        return dict(warp), dict(gen)

    return model, official_zeros, official_copy


def save_pair(folder, warp, gen, warp_file: str, gen_file: str) -> Tuple[str, str]:
    """Saves ``warp`` and ``gen`` as ``folder/warp_file`` and ``folder/gen_file``; their
    paths."""
    torch.save(warp, folder / warp_file)
    torch.save(gen, folder / gen_file)
    return str(folder / warp_file), str(folder / gen_file)


def truncated_with_extra_head(warp: StateDict, gen: StateDict) -> Tuple[StateDict, StateDict]:
    """The first two warp tensors, and the generator with an unexpected ``extra_head``:
    inputs that miss nearly every warp key and hold one unexpected generator key."""
    return {k: warp[k] for k in list(warp)[:2]}, dict(gen, extra_head=torch.zeros(1))


# ----------------------------------------------------------------------------- shared checks
def check_keys_map_onto_model(model: nn.Module, warp: StateDict, gen: StateDict, *spec) -> list:
    """Every official key is renamed onto a model key (none ignored or unknown), the renamed
    keys are exactly the model's, and the message helper maps each model key back to an
    official key of its file. ``spec``: the converter spec, none for the default (PF-AFN).
    Returns the renamed keys."""
    renamed, ignored, unknown = official_to_vtonbox_keys(warp, gen, *spec)
    assert not ignored and not unknown
    assert set(renamed) == set(model.state_dict())
    for key in model.state_dict():
        part, official_key = vtonbox_to_official_key(key, *spec).split(':', 1)
        assert official_key in (warp if part == 'warp' else gen)
    return renamed


def check_already_converted(capsys, tmp_path, method: str, warp: StateDict, gen: StateDict,
                            gen_path: str, layout: str) -> str:
    """``--warp`` given a vtonbox checkpoint of three warp and three generator tensors
    (``layout``: ``'mmengine'``, with ``meta``, or ``'state_dict'``) is refused with the
    one line that says so and how to test it; returns that line."""
    converted = tmp_path / f'{method}_official.pth'
    state = {f'warp_model.{k}': v for k, v in list(warp.items())[:3]}
    state.update({f'generator.{k}': v for k, v in list(gen.items())[:3]})
    torch.save(dict(state_dict=state, meta=dict(iter=1)) if layout == 'mmengine' else state,
               converted)
    line = cli_error(capsys, '--warp', str(converted), '--gen', gen_path, '--out',
                     str(tmp_path / 'o.pth'), method=method)
    what = ('it has `meta` and `state_dict`' if layout == 'mmengine'
            else 'keys warp_model.*, generator.*')
    assert line == (f'error: --warp is already converted ({what}): a vtonbox checkpoint '
                    f'({converted}): no conversion needed; use it directly, e.g. python '
                    f'tools/test.py configs/{method}_student.py {converted}')
    return line


def check_swapped_inputs(capsys, tmp_path, method: str, warp_path: str, gen_path: str,
                         generator_keys: str, warp_keys: str, warp_file: str,
                         gen_file: str) -> str:
    """The official files passed the other way round are refused, naming the key kinds
    each holds (``generator_keys``, ``warp_keys``) and the files to pass; nothing is
    written. Returns the error line."""
    out = tmp_path / 'out.pth'
    line = cli_error(capsys, '--warp', gen_path, '--gen', warp_path, '--out', str(out),
                     method=method)
    assert line == (f'error: --warp and --gen look swapped: --warp holds generator keys '
                    f'({generator_keys}) and --gen warp keys ({warp_keys}) '
                    f'({gen_path}, {warp_path}): pass them the other way round: --warp '
                    f'{warp_file} --gen {gen_file}')
    assert not out.exists()
    return line


def check_same_file_twice(capsys, tmp_path, method: str, path: str, flag: str, kind: str,
                          wanted_file: str) -> None:
    """One official file given as both ``--warp`` and ``--gen`` is refused: ``flag`` holds
    ``kind`` weights too, and the line names the file to pass as ``flag``."""
    other = '--gen' if flag == '--warp' else '--warp'
    line = cli_error(capsys, '--warp', path, '--gen', path, '--out', str(tmp_path / 'o.pth'),
                     method=method)
    assert line == (f'error: {flag} holds {kind} weights too (keys like those of {other}) '
                    f'({path}): pass the official {wanted_file} as {flag}')


def check_missing_config(capsys, tmp_path, method: str, *inputs: str) -> None:
    """A ``--config`` that does not exist is one error line naming the config the released
    weights fit. ``inputs``: the ``--warp``, ``--gen`` and ``--out`` arguments."""
    config = tmp_path / 'nope.py'
    warp, gen, out = inputs
    line = cli_error(capsys, '--warp', warp, '--gen', gen, '--out', out, '--config',
                     str(config), method=method)
    assert line == (f'error: config file not found ({config}): check the path (the released '
                    f'weights fit configs/{method}_student.py)')


def check_missing_input(capsys, tmp_path, method: str, absent, gen) -> None:
    """An input file that does not exist (``absent`` as ``--warp``) is one error line; nothing
    is written."""
    out = tmp_path / 'out.pth'
    line = cli_error(capsys, '--warp', str(absent), '--gen', str(gen), '--out', str(out),
                     method=method)
    assert line == f'error: checkpoint not found ({absent}): check the path'
    assert not out.exists()


def check_pfafn_cli_redirects(capsys, tmp_path, warp_path: str, gen_path: str, held: str,
                              method: str) -> None:
    """The PF-AFN converter given another method's official files points to that method's
    converter. ``held``: the message's ``<NAME> warp weights (<keys>)``."""
    line = cli_error(capsys, '--warp', warp_path, '--gen', gen_path, '--out',
                     str(tmp_path / 'o.pth'), method='pfafn')
    assert line.startswith(f'error: --warp holds {held}, not PF-AFN ones')
    assert line.endswith(f'convert it with python tools/model_converters/{method}_to_vtonbox.py '
                         f'(for configs/{method}_student.py), or pass the PF-AFN '
                         'warp_model_final.pth')


# ----------------------------------------------------------------------------- parity
@contextmanager
def single_torch_thread() -> Iterator[None]:
    """Runs the block with one torch thread (the shared test CPU), restoring the count."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class FormulaCorrelation(nn.Module):
    """The official 49-shift correlation, swapped into AFlowNet for the exact checks."""

    out_channels = (2 * official_pfafn.MAX_DISPLACEMENT + 1) ** 2

    def forward(self, first, second):
        return official_pfafn.correlation(first, second)


def converted_case(method: str, config: str, warp: StateDict, gen: StateDict, warp_path,
                   gen_path, out, *args: str) -> dict:
    """Converts the saved official files with the ``method`` converter (``args``: more
    options) and loads the result strictly into the model of ``config``: the official
    weights, the model (eval), and the paths."""
    run_converter(method, warp_path, gen_path, out, *args)
    return dict(warp=warp, gen=gen, model=load_converted(config, out), out=out,
                warp_path=str(warp_path), gen_path=str(gen_path))


def converted_checkpoint(converted: dict, warp_file: str, gen_file: str) -> dict:
    """The checkpoint of :func:`converted_case`, after checking that its meta names the
    official files (``warp_file``, ``gen_file``) and their sha256."""
    checkpoint = torch.load(converted['out'], map_location='cpu', weights_only=True)
    meta = checkpoint['meta']
    assert meta['converted_from'] == dict(warp=warp_file, generator=gen_file)
    assert meta['sha256'] == dict(warp=file_sha256(converted['warp_path']),
                                  generator=file_sha256(converted['gen_path']))
    return checkpoint


def check_values_copied(state: StateDict, official: StateDict, pairs) -> None:
    """The converted ``state`` holds the official tensors unchanged: ``pairs`` of
    (vtonbox key, key of ``official``)."""
    for ours, theirs in pairs:
        assert torch.equal(state[ours], official[theirs]), ours


def vtonbox_forward(model: nn.Module, inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """The model's test forward (warp, then render) on ``person``, ``cloth`` and
    ``cloth_mask``, as the :data:`OUTPUT_KEYS`."""
    with torch.no_grad():
        out = model.warp(inputs)
        comp = model.render(inputs, out)
    return dict(tryon=comp.tryon, warped_cloth=out.warped_cloth, warped_edge=out.warped_mask,
                rendered=comp.rendered, flow=out.flow)


def official_comparison(converted: dict, official_forward: Callable, batch: int, height: int,
                        width: int) -> Dict[str, Dict[str, Tensor]]:
    """On smooth photo-like inputs of ``batch x height x width``: the ``reference``
    official forward, and vtonbox with its own GEMM correlation (``gemm``) and with
    :class:`FormulaCorrelation` (``formula``, restored afterwards)."""
    inputs = dict(person=official_pfafn.smooth_image(batch, height, width, seed=1),
                  cloth=official_pfafn.smooth_image(batch, height, width, seed=2),
                  cloth_mask=official_pfafn.blob_mask(batch, height, width, seed=3))
    model = converted['model']
    reference = official_forward(converted['warp'], converted['gen'], inputs['person'],
                                 inputs['cloth'], inputs['cloth_mask'])
    gemm = vtonbox_forward(model, inputs)
    warper = model.warp_model.warper
    own_correlation = warper.correlation
    warper.correlation = FormulaCorrelation()
    try:
        formula = vtonbox_forward(model, inputs)
    finally:
        warper.correlation = own_correlation
    return dict(reference=reference, gemm=gemm, formula=formula)


def max_diffs(ours: Dict[str, Tensor], reference: Dict[str, Tensor]) -> Dict[str, float]:
    """The largest absolute difference to ``reference`` of each output in ``ours``."""
    return {k: (ours[k] - reference[k]).abs().max().item() for k in ours}


def check_all_within(ours: Dict[str, Tensor], reference: Dict[str, Tensor],
                     tol: float) -> Dict[str, float]:
    """Every output of ``ours`` is within ``tol`` of ``reference`` (largest absolute
    difference); returns the differences."""
    diffs = max_diffs(ours, reference)
    assert max(diffs.values()) <= tol, diffs
    return diffs


def check_random_weights_exercise_the_network(reference: Dict[str, Tensor]) -> None:
    """The random weights exercise the network: flows move pixels (mean offset over
    :data:`MIN_MEAN_FLOW_PIXELS`), the render varies and is not saturated, the warped mask
    is neither empty nor full, and the composition differs from the render."""
    flow = reference['flow']
    height, width = flow.shape[-2:]
    identity = official_pfafn.apply_offset(flow.new_zeros(flow.shape)).permute(0, 3, 1, 2)
    scale = torch.tensor([(width - 1) / 2, (height - 1) / 2]).view(1, 2, 1, 1)
    assert ((flow - identity) * scale).abs().mean() > MIN_MEAN_FLOW_PIXELS
    assert reference['rendered'].std() > MIN_RENDERED_STD
    for key in ('tryon', 'rendered'):
        assert (reference[key].abs() > 0.99).float().mean() < MAX_SATURATED_FRACTION
    assert 0 < reference['warped_edge'].mean() < 1
    assert not torch.allclose(reference['tryon'], reference['rendered'])
