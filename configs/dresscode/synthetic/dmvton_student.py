# CPU twin of configs/dresscode/dmvton_student.py: configs/dmvton_student.py on synthetic
# DressCode at 512 x 384 with the narrow networks of configs/_base_/models/tiny_cpu.py, no
# VGG, 4 epochs, and the same DressCode changes (data, teacher condition, teacher DensePose
# regions). It inherits the VITON config, not configs/dresscode/dmvton_student.py, to stay
# within 3 levels of _base_.
#   python tools/train.py configs/dresscode/synthetic/dmvton_student.py
_base_ = [
    '../../dmvton_student.py', '../../_base_/datasets/synthetic_dresscode.py',
    '../../_base_/models/tiny_cpu.py', '../../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/dresscode/dmvton_student'
img_size = {{_base_.dresscode_img_size}}
data_root = {{_base_.synthetic_dresscode_data_root}}
train_pipeline = {{_base_.dresscode_train_pipeline}}
test_pipeline = {{_base_.dresscode_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.synthetic_dresscode_train_dataloader}}
val_dataloader = {{_base_.synthetic_dresscode_val_dataloader}}
test_dataloader = {{_base_.synthetic_dresscode_test_dataloader}}
val_evaluator = {{_base_.dresscode_val_evaluator}}
test_evaluator = {{_base_.synthetic_dresscode_test_evaluator}}

teacher_checkpoint = 'work_dirs/synthetic/dresscode/pbafn_tryon/epoch_4.pth'
teacher_made_by = 'python tools/train.py configs/dresscode/synthetic/pbafn_tryon.py'

model = dict(
    warp_model={{_base_.tiny_mobile_warp_model}},
    warp_loss=dict(vgg_loss=None),
    gen_loss=dict(vgg_loss=None),
    teacher=dict(
        tryon=dict(warp_model=dict(encoder={{_base_.tiny_aflow_warp_model.encoder}},
                                   fpn={{_base_.tiny_aflow_warp_model.fpn}},
                                   warper={{_base_.tiny_aflow_warp_model.warper}},
                                   cond_channels={{_base_.dresscode_teacher_cond_channels}}),
                   generator={{_base_.tiny_generator}},
                   hand_ids={{_base_.dresscode_teacher_densepose_ids.hand_ids}},
                   arm_ids={{_base_.dresscode_teacher_densepose_ids.arm_ids}}),
        checkpoint=teacher_checkpoint, made_by=teacher_made_by),
    init_cfg=dict(
        checkpoint='work_dirs/synthetic/dresscode/dmvton_warp/epoch_4.pth',
        made_by='python tools/train.py configs/dresscode/synthetic/dmvton_warp.py'))

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
