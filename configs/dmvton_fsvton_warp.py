# DM-VTON stage 3 with FS-VTON's teacher (the reference's choice): the mobile student warp
# of configs/dmvton_warp.py, taught by the frozen FS-VTON teacher (style-flow head,
# 45-channel condition, stage 2 of configs/fsvton_teacher_tryon.py). Same recipe: from
# scratch, PF-AFN's distillation terms + the garment-side feature term, lr 5e-5,
# 50 + 50 epochs, batch 8 on one GPU. Next: configs/dmvton_fsvton_student.py.
#   python tools/train.py configs/dmvton_fsvton_warp.py
_base_ = [
    '_base_/models/dmvton.py', '_base_/models/fsvton.py',
    '_base_/models/tryon_losses.py', '_base_/datasets/viton.py',
    '_base_/schedules/adam_linear_decay_100e.py', '_base_/tryon_runtime.py'
]

train_dataloader = dict(batch_size={{_base_.dmvton_warp_batch_size}})

model = dict(
    type='ParserFreeWarp',
    warp_model={{_base_.dmvton_warp_model}},
    warp_loss={{_base_.warp_loss}},
    teacher={{_base_.fsvton_teacher}},
    # PF-AFN's person-side feature and flow terms + the garment-side feature term
    distill_cfg=dict(feature={{_base_.distill_cfg.feature}},
                     flow={{_base_.distill_cfg.flow}},
                     cloth_feature={{_base_.dmvton_cloth_feature_distill}},
                     gate={{_base_.distill_cfg.gate}}))

custom_hooks = [dict(type='TryOnVisualizationHook', interval=1000, test_interval=100)]
# A warp has no try-on image: score the warped cloth against the photo inside the warped
# mask on the paired split. No unpaired test loop (no ground truth there).
val_evaluator = [dict(type='MaskedL1', pred_key='pred_warped_cloth', mask_key='pred_warped_mask')]
test_dataloader = None
test_cfg = None
test_evaluator = None
