# ClothFlow ablation, stage 3 on the synthetic data (see clothflow_teacher_warp.py): the
# parser-free student warp, taught by the synthetic ClothFlow teacher, initialised from
# its warp except the condition branch / refine nets, which train alone for the first
# `synthetic_niter` epochs (the head has no cond_style: that pattern matches nothing).
#   python tools/train.py configs/synthetic/clothflow_warp.py
_base_ = [
    '../fsvton_warp.py', '../_base_/datasets/synthetic_viton_parts.py',
    '../_base_/models/clothflow.py', '../_base_/schedules/synthetic_cpu.py'
]
work_dir = 'work_dirs/synthetic/clothflow_warp'
teacher_checkpoint = 'work_dirs/synthetic/clothflow_teacher_tryon/epoch_4.pth'
teacher_made_by = 'python tools/train.py configs/synthetic/clothflow_teacher_tryon.py'

train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}

model = dict(
    warp_model={{_base_.tiny_clothflow_warp_model}},
    warp_loss=dict(vgg_loss=None),
    teacher=dict(tryon={{_base_.tiny_clothflow_teacher_tryon}},
                 checkpoint=teacher_checkpoint, made_by=teacher_made_by),
    init_cfg=dict(checkpoint=teacher_checkpoint, made_by=teacher_made_by))

optim_wrapper = {{_base_.synthetic_optim_wrapper}}
param_scheduler = {{_base_.synthetic_param_scheduler}}
train_cfg = {{_base_.synthetic_train_cfg}}
default_hooks = {{_base_.synthetic_default_hooks}}
custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=100, test_interval=4),
    dict(type='TrainableScheduleHook', switch_epoch={{_base_.synthetic_switch_epoch}},
         reset_optimizer=True, trainable={{_base_.stage3_trainable}}),
]
sync_bn = None  # CPU
