# FS-VTON stage 4 — the parser-free student end to end (style-flow warp from stage 3,
# generator from scratch), taught by the frozen teacher (stage 2). This is also the
# inference config: tools/test.py, the Inferencer, tools/demo.py and the web UI build it
# without teacher and losses. One GPU at batch 4, as the official scripts (see
# fsvton_teacher_warp.py for N GPUs):
#   python tools/train.py configs/fsvton_student.py
_base_ = [
    '_base_/models/fsvton.py', '_base_/models/resunet_generator.py',
    '_base_/models/tryon_losses.py', '_base_/datasets/viton.py',
    '_base_/schedules/adam_linear_decay_100e.py', '_base_/tryon_runtime.py'
]

stage3_checkpoint = 'work_dirs/fsvton_warp/epoch_200.pth'

model = dict(
    type='ParserFreeTryOn',
    warp_model={{_base_.fsvton_warp_model}},
    generator={{_base_.generator}},
    warp_loss={{_base_.warp_loss}},
    gen_loss={{_base_.student_gen_loss}},
    warp_loss_weight=0.25,  # upstream: 0.25 * (warp + distillation) + generator loss
    teacher={{_base_.fsvton_teacher}},
    distill_cfg={{_base_.distill_cfg}},
    init_cfg=dict(type='PartialPretrained', checkpoint=stage3_checkpoint,
                  src_prefix='warp_model.', dst='warp_model',
                  made_by='python tools/train.py configs/fsvton_warp.py'))

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_model': dict(lr_mult=0.2)}))

custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=1000, test_interval=100),
    # skin terms 30, 2 while the 1-based epoch < niter, then 60, 4 (as upstream):
    # 0-based switch epoch niter - 1 (49)
    dict(type='LossWeightSwitchHook', module='gen_loss', switch_epoch={{_base_.switch_epoch}},
         values={{_base_.skin_weights_after_switch}}),
]
