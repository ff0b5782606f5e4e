# FS-VTON stage 2 on the synthetic data (see fsvton_teacher_warp.py); initialised from
# synthetic stage 1.
#   python tools/train.py configs/synthetic/fsvton_teacher_tryon.py
_base_ = [
    '../fsvton_teacher_tryon.py', '../_base_/datasets/synthetic_viton_parts.py',
    '../_base_/models/tiny_cpu.py', '../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/fsvton_teacher_tryon'

train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_teacher_val_dataloader}}
test_dataloader = {{_base_.synthetic_teacher_test_dataloader}}

model = dict(
    warp_model={{_base_.tiny_style_warp_model}},
    generator={{_base_.tiny_generator}},
    warp_loss=dict(vgg_loss=None),
    gen_loss=dict(vgg_loss=None),
    # epoch_<synthetic_max_epochs> of stage 1
    init_cfg=dict(checkpoint='work_dirs/synthetic/fsvton_teacher_warp/epoch_4.pth',
                  made_by='python tools/train.py configs/synthetic/fsvton_teacher_warp.py'))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}  # keeps the warp's 0.2x lr_mult
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [dict(type='TryOnVisualizationHook', interval=100, test_interval=4)]
sync_bn = None  # CPU
val_cfg = dict(_delete_=True, type='ValLoop')  # the VITON config has none
test_cfg = dict(_delete_=True, type='TestLoop')
val_evaluator = [dict(type='SSIM'), dict(type='PSNR')]
# 32 test images: KID on 10 subsets of 16 (the VITON configs use the standard 1000).
test_evaluator = [dict(type='FID'), dict(type='KID', num_subsets=10, subset_size=16)]
