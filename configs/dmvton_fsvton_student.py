# DM-VTON stage 4 with FS-VTON's teacher: the mobile student end to end (warp from
# configs/dmvton_fsvton_warp.py, MobileNetV2 U-Net from scratch), taught by the frozen
# FS-VTON teacher; otherwise as configs/dmvton_student.py (lr 5e-5, 50 + 50 epochs,
# batch 6). Also its inference config.
#   python tools/train.py configs/dmvton_fsvton_student.py
_base_ = [
    '_base_/models/dmvton.py', '_base_/models/fsvton.py',
    '_base_/models/tryon_losses.py', '_base_/datasets/viton.py',
    '_base_/schedules/adam_linear_decay_100e.py', '_base_/tryon_runtime.py'
]

stage3_checkpoint = 'work_dirs/dmvton_fsvton_warp/epoch_100.pth'

train_dataloader = dict(batch_size={{_base_.dmvton_student_batch_size}})

model = dict(
    type='ParserFreeTryOn',
    warp_model={{_base_.dmvton_warp_model}},
    generator={{_base_.dmvton_generator}},
    warp_loss={{_base_.warp_loss}},
    gen_loss={{_base_.student_gen_loss}},
    warp_loss_weight=0.25,  # 0.25 * (warp + distillation) + generator loss, as PF-AFN
    teacher={{_base_.fsvton_teacher}},
    distill_cfg=dict(feature={{_base_.distill_cfg.feature}},
                     flow={{_base_.distill_cfg.flow}},
                     cloth_feature={{_base_.dmvton_cloth_feature_distill}},
                     gate={{_base_.distill_cfg.gate}}),
    init_cfg=dict(type='PartialPretrained', checkpoint=stage3_checkpoint,
                  src_prefix='warp_model.', dst='warp_model',
                  made_by='python tools/train.py configs/dmvton_fsvton_warp.py'))

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_model': dict(lr_mult=0.2)}))

custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=1000, test_interval=100),
    # skin terms 30, 2 while the 1-based epoch < niter, then 60, 4 (as PF-AFN)
    dict(type='LossWeightSwitchHook', module='gen_loss', switch_epoch={{_base_.switch_epoch}},
         values={{_base_.skin_weights_after_switch}}),
]
