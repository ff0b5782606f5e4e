# CPU twin of configs/viton_hd/fsvton_warp.py: configs/fsvton_warp.py on synthetic VITON-HD
# at 512 x 384 with the narrow networks of configs/_base_/models/tiny_cpu.py, no VGG, 4
# epochs, and the same VITON-HD changes (data, teacher condition). It inherits the VITON
# config, not configs/viton_hd/fsvton_warp.py, to stay within 3 levels of _base_.
#   python tools/train.py configs/viton_hd/synthetic/fsvton_warp.py
_base_ = [
    '../../fsvton_warp.py', '../../_base_/datasets/synthetic_viton_hd.py',
    '../../_base_/models/tiny_cpu.py', '../../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/viton_hd/fsvton_warp'
img_size = {{_base_.viton_hd_img_size}}
data_root = {{_base_.synthetic_viton_hd_data_root}}
train_pipeline = {{_base_.viton_hd_train_pipeline}}
test_pipeline = {{_base_.viton_hd_test_pipeline}}  # what the Inferencer runs

train_dataloader = {{_base_.synthetic_viton_hd_train_dataloader}}
val_dataloader = {{_base_.synthetic_viton_hd_val_dataloader}}  # scored by MaskedL1, as on VITON

teacher_checkpoint = 'work_dirs/synthetic/viton_hd/fsvton_teacher_tryon/epoch_4.pth'
teacher_made_by = 'python tools/train.py configs/viton_hd/synthetic/fsvton_teacher_tryon.py'

model = dict(
    warp_model={{_base_.tiny_style_warp_model}},
    warp_loss=dict(vgg_loss=None),
    teacher=dict(
        tryon=dict(warp_model=dict(encoder={{_base_.tiny_style_warp_model.encoder}},
                                   fpn={{_base_.tiny_style_warp_model.fpn}},
                                   warper={{_base_.tiny_style_warp_model.warper}},
                                   cond_channels={{_base_.viton_hd_teacher_cond_channels}}),
                   generator={{_base_.tiny_generator}}),
        checkpoint=teacher_checkpoint, made_by=teacher_made_by),
    init_cfg=dict(checkpoint=teacher_checkpoint, made_by=teacher_made_by))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=100, test_interval=4),
    dict(type='TrainableScheduleHook', switch_epoch={{_base_.synthetic_switch_epoch}},
         reset_optimizer=True,
         trainable={{_base_.stage3_trainable}}),
]
sync_bn = None  # CPU
