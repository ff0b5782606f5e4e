# PF-AFN stage 3 on the synthetic data with the AffineWarper head of
# vtonbox_toy_warper.py (docs/advanced_guides/warping_heads.md):
#   PYTHONPATH=tests/data/toy python tools/train.py tests/data/toy/pfafn_warp_affine.py
_base_ = ['../../../configs/synthetic/pfafn_warp.py']
custom_imports = dict(imports=['vtonbox_toy_warper'], allow_failed_imports=False)
work_dir = 'work_dirs/synthetic/pfafn_warp_affine'

model = dict(
    warp_model=dict(warper=dict(_delete_=True, type='AffineWarper', hidden_channels=32)),
    # the teacher's AFlowNet head does not fit the new head: take only its cloth branch
    init_cfg=dict(exclude=[r'^cond_', r'^warper\.']))
# the new head trains from the start, with the condition branch
custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=100, test_interval=4),
    dict(type='TrainableScheduleHook', switch_epoch={{_base_.synthetic_switch_epoch}},
         reset_optimizer=True, trainable=[r'^warp_model\.cond_', r'^warp_model\.warper\.']),
]
