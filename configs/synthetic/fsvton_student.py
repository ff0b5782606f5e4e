# FS-VTON stage 4 on the synthetic data (see fsvton_teacher_warp.py): the parser-free
# student end to end, warp from synthetic stage 3, taught by the synthetic stage-2
# teacher. Also the inference config of the synthetic FS-VTON student.
#   python tools/train.py configs/synthetic/fsvton_student.py
_base_ = [
    '../fsvton_student.py', '../_base_/datasets/synthetic_viton_parts.py',
    '../_base_/models/tiny_cpu.py', '../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/fsvton_student'

train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
test_pipeline = {{_base_.synthetic_test_pipeline}}  # what the Inferencer runs

model = dict(
    warp_model={{_base_.tiny_style_warp_model}},
    generator={{_base_.tiny_generator}},
    warp_loss=dict(vgg_loss=None),
    gen_loss=dict(vgg_loss=None),
    teacher=dict(tryon={{_base_.tiny_fsvton_teacher_tryon}},
                 checkpoint='work_dirs/synthetic/fsvton_teacher_tryon/epoch_4.pth',
                 made_by='python tools/train.py configs/synthetic/fsvton_teacher_tryon.py'),
    init_cfg=dict(checkpoint='work_dirs/synthetic/fsvton_warp/epoch_4.pth',
                  made_by='python tools/train.py configs/synthetic/fsvton_warp.py'))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}  # keeps the warp's 0.2x lr_mult
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=100, test_interval=4),
    dict(type='LossWeightSwitchHook', module='gen_loss',
         switch_epoch={{_base_.synthetic_switch_epoch}},
         values={{_base_.skin_weights_after_switch}}),
]
sync_bn = None  # CPU
test_evaluator = [dict(type='FID'), dict(type='KID', num_subsets=10, subset_size=16)]
