# DM-VTON (FS-VTON teacher) stage 3 on the synthetic data: the mobile student warp
# (narrow pyramids), taught by the synthetic FS-VTON stage-2 teacher
# (configs/synthetic/fsvton_teacher_tryon.py), from scratch.
#   python tools/train.py configs/synthetic/dmvton_fsvton_warp.py
_base_ = [
    '../dmvton_fsvton_warp.py', '../_base_/datasets/synthetic_viton_parts.py',
    '../_base_/models/tiny_cpu.py', '../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/dmvton_fsvton_warp'

train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}

model = dict(
    warp_model={{_base_.tiny_mobile_warp_model}},
    warp_loss=dict(vgg_loss=None),
    teacher=dict(tryon={{_base_.tiny_fsvton_teacher_tryon}},
                 checkpoint='work_dirs/synthetic/fsvton_teacher_tryon/epoch_4.pth',
                 made_by='python tools/train.py configs/synthetic/fsvton_teacher_tryon.py'))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [dict(type='TryOnVisualizationHook', interval=100, test_interval=4)]
sync_bn = None  # CPU
