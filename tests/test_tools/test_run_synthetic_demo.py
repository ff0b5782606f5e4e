"""tools/run_synthetic_demo.py: the stage list and outputs of each ``--method`` (no
training: `make demo` itself runs the pipeline)."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT

TOOL = osp.join(REPO_ROOT, 'tools', 'run_synthetic_demo.py')


@pytest.fixture(scope='module')
def demo():
    spec = importlib.util.spec_from_file_location('vtonbox_run_synthetic_demo', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_is_pfafn_with_the_plain_output_names(demo):
    args = demo.parse_args([])
    assert args.method == 'pfafn' and not args.retrain
    plan = demo.demo_plan(args.method)
    assert plan.stages == demo.STAGES == (
        'pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student')
    assert plan.student == 'pfafn_student'
    assert plan.metrics == 'work_dirs/synthetic/metrics.json'
    assert plan.results == 'work_dirs/synthetic/results'
    assert plan.warp_quality == 'work_dirs/synthetic/warp_quality.json'
    assert plan.grid == 'work_dirs/synthetic/demo_grid.png'


def test_fsvton_method(demo):
    plan = demo.demo_plan(demo.parse_args(['--method', 'fsvton', '--retrain']).method)
    assert plan.stages == ('fsvton_teacher_warp', 'fsvton_teacher_tryon', 'fsvton_warp',
                           'fsvton_student')
    assert plan.metrics == 'work_dirs/synthetic/metrics_fsvton.json'
    assert plan.grid == 'work_dirs/synthetic/demo_grid_fsvton.png'
    assert 'FS-VTON' in plan.title


@pytest.mark.parametrize('method,teacher_method', [('dmvton', 'pfafn'),
                                                   ('dmvton_fsvton', 'fsvton')])
def test_mobile_student_shares_the_teacher_stages(demo, method, teacher_method):
    """The mobile pipelines reuse (and skip when trained) their teacher's stages 1-2."""
    plan = demo.demo_plan(method)
    assert plan.stages[:2] == demo.demo_plan(teacher_method).stages[:2]
    assert plan.metrics == f'work_dirs/synthetic/metrics_{method}.json'
    assert 'mobile' in plan.title


def test_unknown_method_is_refused(demo, capsys):
    with pytest.raises(SystemExit) as error:
        demo.parse_args(['--method', 'afwm'])
    assert error.value.code == 2
    assert "invalid choice: 'afwm'" in capsys.readouterr().err


#: Methods whose student warp (stage 3) trains from scratch: its encoders differ from the
#: teacher's (the mobile student).
FROM_SCRATCH_STUDENTS = ('dmvton', 'dmvton_fsvton')


@pytest.mark.parametrize('method', ['pfafn', 'fsvton', 'clothflow', *FROM_SCRATCH_STUDENTS])
def test_stages_chain_through_their_checkpoints(demo, method):
    """Each stage starts from the previous one's final checkpoint (the one the demo
    checks to skip a stage; the mobile student warp from scratch), stages 3 and 4 are
    taught by stage 2."""
    stages = demo.demo_plan(method).stages
    finals = {}
    for index, stage in enumerate(stages):
        path = osp.join(REPO_ROOT, 'configs', 'synthetic', f'{stage}.py')
        cfg = Config.fromfile(path)
        finals[stage] = osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
        assert cfg.work_dir == f'work_dirs/synthetic/{stage}'
        if index == 2 and method in FROM_SCRATCH_STUDENTS:
            assert not cfg.model.get('init_cfg')
        elif index:
            assert cfg.model.init_cfg.checkpoint == finals[stages[index - 1]]
        if index >= 2:
            assert cfg.model.teacher.checkpoint == finals[stages[1]]
