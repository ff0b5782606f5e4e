# DM-VTON stage 4 on the synthetic data: the mobile student end to end, warp from
# synthetic stage 3 (configs/synthetic/dmvton_warp.py), taught by the synthetic PF-AFN
# stage-2 teacher. Also the inference config of the synthetic mobile student.
#   python tools/train.py configs/synthetic/dmvton_student.py
_base_ = [
    '../dmvton_student.py', '../_base_/datasets/synthetic_viton_parts.py',
    '../_base_/models/tiny_cpu.py', '../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/dmvton_student'

train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
test_pipeline = {{_base_.synthetic_test_pipeline}}  # what the Inferencer runs

model = dict(
    warp_model={{_base_.tiny_mobile_warp_model}},
    warp_loss=dict(vgg_loss=None),
    gen_loss=dict(vgg_loss=None),
    teacher=dict(tryon={{_base_.tiny_teacher_tryon}},
                 checkpoint='work_dirs/synthetic/pbafn_tryon/epoch_4.pth',
                 made_by='python tools/train.py configs/synthetic/pbafn_tryon.py'),
    init_cfg=dict(checkpoint='work_dirs/synthetic/dmvton_warp/epoch_4.pth',
                  made_by='python tools/train.py configs/synthetic/dmvton_warp.py'))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}  # keeps the warp's 0.2x lr_mult
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=100, test_interval=4),
    dict(type='LossWeightSwitchHook', module='gen_loss',
         switch_epoch={{_base_.synthetic_switch_epoch}},
         values=dict(skin_l1_weight=60.0, skin_vgg_weight=4.0)),
]
sync_bn = None  # CPU
test_evaluator = [dict(type='FID'), dict(type='KID', num_subsets=10, subset_size=16)]
