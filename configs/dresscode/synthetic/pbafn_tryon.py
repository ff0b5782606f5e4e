# CPU twin of configs/dresscode/pbafn_tryon.py: configs/pbafn_tryon.py on synthetic
# DressCode at 512 x 384 with the narrow networks of configs/_base_/models/tiny_cpu.py, no
# VGG, 4 epochs, and the same DressCode changes (data, teacher condition, teacher DensePose
# regions). It inherits the VITON config, not configs/dresscode/pbafn_tryon.py, to stay
# within 3 levels of _base_.
#   python tools/train.py configs/dresscode/synthetic/pbafn_tryon.py
_base_ = [
    '../../pbafn_tryon.py', '../../_base_/datasets/synthetic_dresscode.py',
    '../../_base_/models/tiny_cpu.py', '../../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/dresscode/pbafn_tryon'
img_size = {{_base_.dresscode_img_size}}
data_root = {{_base_.synthetic_dresscode_data_root}}
train_pipeline = {{_base_.dresscode_train_pipeline}}
test_pipeline = {{_base_.dresscode_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.synthetic_dresscode_train_dataloader}}
# The test split has the parsing, pose and DensePose the teacher reads: paired
# and unpaired loops (VITON's stage-2 config has none).
val_dataloader = {{_base_.synthetic_dresscode_teacher_val_dataloader}}
test_dataloader = {{_base_.synthetic_dresscode_teacher_test_dataloader}}
val_cfg = dict(_delete_=True, type='ValLoop')
test_cfg = dict(_delete_=True, type='TestLoop')
val_evaluator = {{_base_.dresscode_val_evaluator}}
test_evaluator = {{_base_.synthetic_dresscode_test_evaluator}}

model = dict(
    warp_model=dict(encoder={{_base_.tiny_aflow_warp_model.encoder}},
                    fpn={{_base_.tiny_aflow_warp_model.fpn}},
                    warper={{_base_.tiny_aflow_warp_model.warper}},
                    cond_channels={{_base_.dresscode_teacher_cond_channels}}),
    generator={{_base_.tiny_generator}},
    hand_ids={{_base_.dresscode_teacher_densepose_ids.hand_ids}},
    arm_ids={{_base_.dresscode_teacher_densepose_ids.arm_ids}},
    warp_loss=dict(vgg_loss=None),
    gen_loss=dict(vgg_loss=None),
    init_cfg=dict(
        checkpoint='work_dirs/synthetic/dresscode/pbafn_warp/epoch_4.pth',
        made_by='python tools/train.py configs/dresscode/synthetic/pbafn_warp.py'))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}  # keeps the warp's 0.2x lr_mult
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [dict(type='TryOnVisualizationHook', interval=100, test_interval=4)]
sync_bn = None  # CPU
