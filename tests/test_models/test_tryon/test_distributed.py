"""What users run on several GPUs, on 2 CPU processes: the synthetic stage chains of every
method through ``tools/dist_train.sh`` (gloo), each stage initialised / taught from the
checkpoint the previous *multi-process* run wrote:

* PF-AFN: its teacher (stages 1-2) and student (stages 3-4);
* FS-VTON: the same, with its own teacher;
* the mobile student (DM-VTON, stages 3-4) taught by PF-AFN's stage-2 checkpoint of the
  PF-AFN chain, and by FS-VTON's of the FS-VTON chain;
* the ClothFlow ablation (FS-VTON's pipeline with the refinement-only head), its four
  stages.

Every checkpoint has the single-process key layout, both ranks end with identical
parameters, the students start from their previous stage and carry the frozen teacher of
the previous multi-process run, and ``tools/test.py`` (PF-AFN) and the Inferencer (every
method) load the final checkpoint.

Costs are kept small: 64x64 images, 1 epoch; PF-AFN trains 2 iterations per rank and
validates (the distributed validation loop), the other chains 1 iteration per rank
without validation; the config text is not formatted (``vtonbox_unformatted_config``).
A stage still costs about 20 s of CPU, mostly the start-up of torchrun and of two
interpreters."""
import glob
import json
import os.path as osp
import socket
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, Optional, Tuple

import pytest
import torch

from tests.conftest import REPO_ROOT, TOY_DIR, tool_env
from tests.helpers.stage_configs import build_stage_model, stage_config
from tests.helpers.tool_runs import fresh_process_state, load_tool
from vtonbox.utils.cli import run_tool

#: Processes per stage (one per GPU on a real cluster).
NUM_PROCS = 2
#: The students train at most 2 steps per rank at warp lr 0.2 x 2e-4; Adam moves a
#: weight by about one learning rate per step, so the warp stays within a few 1e-5 of
#: stage 3's.
MAX_WARP_DRIFT = 1e-3
#: Lanes of stages trained at the same time (see ``DistChains``).
PARALLEL_LANES = 2


class Chain(NamedTuple):
    """Stages trained in order (``configs/synthetic/<stage>.py``)."""
    stages: Tuple[str, ...]
    #: the stage-2 checkpoint that teaches the distilled stages
    teacher: str
    #: the chain that trains ``teacher`` first, when it is not this one
    after: Optional[str] = None
    #: training samples of both ranks: 8 = 2 iterations of batch 2 per rank, 4 = 1
    num_train: int = 4
    validate: bool = False


CHAINS = {
    'pfafn': Chain(('pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student'),
                   teacher='pbafn_tryon', num_train=8, validate=True),
    'fsvton': Chain(('fsvton_teacher_warp', 'fsvton_teacher_tryon', 'fsvton_warp',
                     'fsvton_student'), teacher='fsvton_teacher_tryon'),
    'dmvton': Chain(('dmvton_warp', 'dmvton_student'), teacher='pbafn_tryon',
                    after='pfafn'),
    'dmvton_fsvton': Chain(('dmvton_fsvton_warp', 'dmvton_fsvton_student'),
                           teacher='fsvton_teacher_tryon', after='fsvton'),
    'clothflow': Chain(('clothflow_teacher_warp', 'clothflow_teacher_tryon', 'clothflow_warp',
                        'clothflow_student'), teacher='clothflow_teacher_tryon'),
}
STAGES = [(chain, stage) for chain in CHAINS for stage in CHAINS[chain].stages]


def run_dist_train(config: str, work_dir: str, port: int) -> subprocess.CompletedProcess:
    env = tool_env([TOY_DIR])
    env['PORT'] = str(port)
    return subprocess.run(
        ['bash', 'tools/dist_train.sh', config, str(NUM_PROCS), '--work-dir', work_dir,
         '--cfg-options', 'env_cfg.dist_cfg.backend=gloo'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)


class DistChains:
    """Trains each chain once, in one work root shared by all chains (so a chain finds
    the teacher checkpoint another chain wrote).

    Chains that do not wait for each other run at the same time: a stage keeps about 1.2
    cores busy (torchrun starts alone, rank 0 saves alone), so two lanes of stages fill
    2 cores (``PARALLEL_LANES``; a third lane starts when one ends); the stages of a lane
    (a chain, then the chains that need it) run in order."""

    def __init__(self, data_root: str, work_root: str) -> None:
        self.data_root = data_root
        self.work_root = work_root
        self.logs = {}
        self.configs = {}
        self.failures = {}
        self._lock = threading.Lock()
        self._ports = set()

    def train(self, chain: str) -> 'DistChains':
        """The chain's stages, trained (with the chains before it) if not yet done."""
        if chain not in self.failures and not all(s in self.logs for s in CHAINS[chain].stages):
            self.train_all([chain])
        if chain in self.failures:
            pytest.fail(self.failures[chain])
        return self

    def train_all(self, chains) -> None:
        """Train ``chains`` and the chains they need, lane by lane in parallel."""
        needed = set(chains) | {CHAINS[c].after for c in chains if CHAINS[c].after}
        lanes = {}
        for chain in (c for c in CHAINS if c in needed):  # in dependency order
            lanes.setdefault(CHAINS[chain].after or chain, []).append(chain)
        # The configs are dumped here without yapf formatting too (see below).
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr('mmengine.config.config.FormatCode',
                          lambda text, **kwargs: (text, None))
            with ThreadPoolExecutor(max_workers=min(len(lanes), PARALLEL_LANES)) as pool:
                list(pool.map(self._train_lane, lanes.values()))

    def _train_lane(self, chains) -> None:
        for chain in chains:
            if CHAINS[chain].after in self.failures:
                self.failures[chain] = f'{CHAINS[chain].after} failed'
                continue
            for stage in CHAINS[chain].stages:
                if stage in self.logs:
                    continue
                try:
                    failure = self._train_stage(CHAINS[chain], stage)
                except Exception as error:  # e.g. a timeout: reported by the tests
                    failure = f'{stage}: {type(error).__name__}: {error}'
                if failure:
                    self.failures[chain] = failure
                    break

    def _free_port(self) -> int:
        """A free port not handed to a concurrent stage."""
        with self._lock:
            while True:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    sock.bind(('127.0.0.1', 0))
                    port = sock.getsockname()[1]
                if port not in self._ports:
                    self._ports.add(port)
                    return port

    def _train_stage(self, spec: Chain, stage: str) -> Optional[str]:
        """Train one stage; returns what went wrong, or None."""
        with self._lock:  # configs are built one at a time
            cfg = stage_config(stage, self.data_root, self.work_root,
                               num_train=spec.num_train, teacher_stage=spec.teacher)
            if not spec.validate:  # the PF-AFN chain runs the distributed validation loop
                cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
            # the rank dump hook; no yapf formatting of the config text (the tools' own
            # tests and the documented stage commands format it)
            cfg.custom_imports = dict(
                imports=['vtonbox_rank_dump', 'vtonbox_unformatted_config'],
                allow_failed_imports=False)
            cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
                dict(type='DumpRankParametersHook')]
            config = osp.join(self.work_root, f'{stage}_dist.py')
            cfg.dump(config)
        result = run_dist_train(config, cfg.work_dir, self._free_port())
        output = result.stdout + result.stderr
        if result.returncode != 0:
            return f'{stage}:\n{output[-4000:]}'
        self.logs[stage] = output
        self.configs[stage] = cfg
        return None

    def log_file_text(self, stage: str) -> str:
        """The log file the Runner wrote (rank 0)."""
        logs = glob.glob(osp.join(self.work_root, stage, '*', '*.log'))
        assert len(logs) == 1, logs
        with open(logs[0]) as f:
            return f.read()

    def checkpoint(self, stage: str) -> str:
        return osp.join(self.work_root, stage, 'epoch_1.pth')

    def state(self, stage: str) -> dict:
        return torch.load(self.checkpoint(stage), map_location='cpu',
                          weights_only=True)['state_dict']

    def rank_params(self, stage: str, rank: int) -> dict:
        return torch.load(osp.join(self.work_root, stage, f'rank{rank}_params.pth'),
                          weights_only=True)


@pytest.fixture(scope='module')
def dist_chains(tiny_synthetic, tmp_path_factory, request):
    """The chains the selected tests of this module need, trained before the first."""
    chains = DistChains(tiny_synthetic, str(tmp_path_factory.mktemp('dist_stages')))
    selected = [item for item in request.session.items if item.module is request.module]
    chains.train_all({chain_of(item) for item in selected} - {None})
    return chains


def chain_of(item) -> Optional[str]:
    """The ``chain`` parameter of a collected test, if it has one."""
    callspec = getattr(item, 'callspec', None)
    return callspec.params.get('chain') if callspec else None


@pytest.mark.parametrize('chain,stage', STAGES)
def test_multi_process_checkpoints_have_the_single_process_layout(dist_chains, chain, stage):
    keys = list(dist_chains.train(chain).state(stage))
    assert keys and not [k for k in keys if 'module.' in k]
    assert not [k for k in keys if k.startswith('teacher.')]
    # exactly the keys of the model as one process builds it
    assert keys == list(build_stage_model(stage).state_dict())


@pytest.mark.parametrize('chain,stage', STAGES)
def test_both_ranks_end_with_identical_parameters(dist_chains, chain, stage):
    dist_chains.train(chain)
    # the Runner ran distributed, with the backend from --cfg-options
    log = dist_chains.log_file_text(stage)
    assert 'Distributed training: True' in log
    assert 'dist_cfg' in log and "backend='gloo'" in log
    rank0, rank1 = (dist_chains.rank_params(stage, rank) for rank in range(NUM_PROCS))
    assert rank0.keys() == rank1.keys() and len(rank0) > 50
    different = [k for k in rank0 if not torch.equal(rank0[k], rank1[k])]
    assert not different, different[:5]


@pytest.mark.parametrize('chain', CHAINS)
def test_stages_are_initialised_and_taught_from_multi_process_checkpoints(dist_chains, chain):
    spec = CHAINS[chain]
    dist_chains.train(chain)
    initialised = taught = 0
    for stage in spec.stages:
        model = dist_chains.configs[stage].model
        if model.get('init_cfg'):  # the earlier stage's checkpoint of this run
            source = model.init_cfg.checkpoint
            assert osp.dirname(osp.dirname(source)) == dist_chains.work_root
            assert 'PartialPretrained: loaded ' in dist_chains.logs[stage]
            assert f'from {source} (' in dist_chains.logs[stage], stage
            initialised += 1
        if model.get('teacher'):  # the frozen teacher = the multi-process stage 2
            assert model.teacher.checkpoint == dist_chains.checkpoint(spec.teacher)
            stage2 = dist_chains.state(spec.teacher)
            params = {k[len('teacher.tryon.'):]: v
                      for k, v in dist_chains.rank_params(stage, 0).items()
                      if k.startswith('teacher.tryon.')}
            assert params and params.keys() <= stage2.keys(), stage
            different = [k for k in params if not torch.equal(params[k], stage2[k])]
            assert not different, (stage, different[:5])
            taught += 1
    # every stage but the first: stage 1 (DM-VTON: its stage-3 warp) starts from scratch
    assert taught == 2 and initialised == len(spec.stages) - 1
    # The student's warp starts from stage 3's and moves by at most a few Adam steps of
    # the warp's learning rate; a fresh initialisation would differ by orders more.
    stage3, student = spec.stages[-2:]
    stage3_state = dist_chains.state(stage3)
    trained = dist_chains.rank_params(student, 0)
    warp_keys = [k for k in trained if k.startswith('warp_model.')]
    assert warp_keys
    drift = max((trained[k] - stage3_state[k]).abs().max().item() for k in warp_keys)
    assert drift < MAX_WARP_DRIFT, drift


@pytest.mark.parametrize('chain', ['pfafn'])
def test_final_checkpoint_loads_in_test_tool(dist_chains, tiny_synthetic, tmp_path, chain):
    """tools/test.py's ``main`` in this process (the tool runs as a real process in
    tests/test_tools/test_test_tool.py)."""
    checkpoint = dist_chains.train(chain).checkpoint('pfafn_student')
    config = osp.join(REPO_ROOT, 'configs', 'synthetic', 'pfafn_student.py')
    # The paired protocol (SSIM, PSNR) needs no Inception weights and loads the same way.
    options = [f'val_dataloader.dataset.data_root={tiny_synthetic}',
               'val_dataloader.num_workers=0']
    out = tmp_path / 'metrics.json'
    with fresh_process_state():
        status = run_tool(load_tool('test.py').main,
                          [config, checkpoint, '--work-dir', str(tmp_path / 'w'), '--out',
                           str(out), '--protocols', 'paired', '--cfg-options', *options])
    assert status == 0
    assert 'SSIM' in json.loads(out.read_text())['metrics']


@pytest.mark.parametrize('chain', CHAINS)
def test_final_checkpoint_loads_in_inferencer(dist_chains, tiny_synthetic, chain):
    from vtonbox.apis import TryOnInferencer

    student = CHAINS[chain].stages[-1]
    checkpoint = dist_chains.train(chain).checkpoint(student)
    config = osp.join(REPO_ROOT, 'configs', 'synthetic', f'{student}.py')
    inferencer = TryOnInferencer(config, checkpoint, device='cpu')
    person_name, cloth_name = open(osp.join(tiny_synthetic, 'test_pairs.txt')).readline().split()
    output = inferencer(osp.join(tiny_synthetic, 'test_img', person_name),
                        osp.join(tiny_synthetic, 'test_color', cloth_name),
                        osp.join(tiny_synthetic, 'test_edge', cloth_name))[0]
    assert output['tryon'].std() > 0
