# FS-VTON stage 1 on the synthetic data at 128x96, narrow networks, no VGG (see
# pbafn_warp.py here for the data): a few CPU minutes.
#   python tools/train.py configs/synthetic/fsvton_teacher_warp.py
_base_ = [
    '../fsvton_teacher_warp.py', '../_base_/datasets/synthetic_viton_parts.py',
    '../_base_/models/tiny_cpu.py', '../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/fsvton_teacher_warp'

train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_teacher_val_dataloader}}

model = dict(warp_model={{_base_.tiny_style_warp_model}}, warp_loss=dict(vgg_loss=None))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [dict(type='TryOnVisualizationHook', interval=100, test_interval=4)]
sync_bn = None  # CPU
val_cfg = dict(_delete_=True, type='ValLoop')  # the VITON config has none
val_evaluator = [dict(type='MaskedL1', pred_key='pred_warped_cloth', mask_key='pred_warped_mask')]
