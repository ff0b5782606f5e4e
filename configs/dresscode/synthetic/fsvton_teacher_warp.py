# CPU twin of configs/dresscode/fsvton_teacher_warp.py: configs/fsvton_teacher_warp.py on
# synthetic DressCode at 512 x 384 with the narrow networks of
# configs/_base_/models/tiny_cpu.py, no VGG, 4 epochs, and the same DressCode changes (data,
# teacher condition, teacher DensePose regions). It inherits the VITON config, not
# configs/dresscode/fsvton_teacher_warp.py, to stay within 3 levels of _base_.
#   python tools/train.py configs/dresscode/synthetic/fsvton_teacher_warp.py
_base_ = [
    '../../fsvton_teacher_warp.py', '../../_base_/datasets/synthetic_dresscode.py',
    '../../_base_/models/tiny_cpu.py', '../../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/dresscode/fsvton_teacher_warp'
img_size = {{_base_.dresscode_img_size}}
data_root = {{_base_.synthetic_dresscode_data_root}}
train_pipeline = {{_base_.dresscode_train_pipeline}}
test_pipeline = {{_base_.dresscode_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.synthetic_dresscode_train_dataloader}}
# The test split has the parsing, pose and DensePose the teacher reads: validate
# the warped cloth against the photo (VITON's stage-1 config has no loops).
val_dataloader = {{_base_.synthetic_dresscode_teacher_val_dataloader}}
val_cfg = dict(_delete_=True, type='ValLoop')
val_evaluator = [dict(type='MaskedL1', pred_key='pred_warped_cloth', mask_key='pred_warped_mask')]

model = dict(
    warp_model=dict(encoder={{_base_.tiny_style_warp_model.encoder}},
                    fpn={{_base_.tiny_style_warp_model.fpn}},
                    warper={{_base_.tiny_style_warp_model.warper}},
                    cond_channels={{_base_.dresscode_teacher_cond_channels}}),
    warp_loss=dict(vgg_loss=None))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [dict(type='TryOnVisualizationHook', interval=100, test_interval=4)]
sync_bn = None  # CPU
