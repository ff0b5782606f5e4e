"""Single-process synthetic stages trained once per test session, in one work root, so
that every chain finds the checkpoints of the stages before it (e.g. the mobile student
is taught by the PF-AFN and FS-VTON teachers the PF-AFN and FS-VTON chains trained)."""
from typing import Dict, Optional

import pytest
from mmengine.runner import Runner

from tests.helpers.stage_configs import stage_config


class StageRuns:
    """``train(stage, teacher_stage, validate)`` trains ``configs/synthetic/<stage>.py``
    (:func:`~tests.helpers.stage_configs.stage_config`: 64x64, 1 epoch of 2 iterations)
    the first time it is asked for, and returns its Runner; the stages it reads
    (``init_cfg``, teacher) must have been trained before."""

    def __init__(self, data_root: str, work_root: str) -> None:
        self.data_root = data_root
        self.work_root = work_root
        self.runners: Dict[str, Runner] = {}

    def train(self, stage: str, teacher_stage: str = 'pbafn_tryon',
              validate: bool = True) -> Runner:
        if stage not in self.runners:
            from vtonbox.utils import register_all_modules

            register_all_modules()
            cfg = stage_config(stage, self.data_root, self.work_root,
                               teacher_stage=teacher_stage)
            if not validate:
                cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
            # No yapf formatting of the config text the Runner logs, dumps and saves
            # (as tests/conftest.py's unformatted_config_text fixture; the tools' tests
            # format it).
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr('mmengine.config.config.FormatCode',
                              lambda text, **kwargs: (text, None))
                runner = Runner.from_cfg(cfg)
                runner.train()
            self.runners[stage] = runner
        return self.runners[stage]

    def train_chain(self, stages, teacher_stage: Optional[str] = None,
                    validate: bool = True) -> Dict[str, Runner]:
        """Train ``stages`` in order (the teacher: ``teacher_stage``, else the second)."""
        teacher_stage = teacher_stage or stages[1]
        return {stage: self.train(stage, teacher_stage, validate) for stage in stages}
