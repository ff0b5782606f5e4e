# FS-VTON stage 3 — parser-free student warp with the style-flow head (3 condition
# channels: the tutor image), supervised by the real photo and distilled from the frozen
# teacher (stage 2). Init: the teacher's warp except the condition branch and refine nets
# (`warper.cond_style`, the condition half of the style vector, IS copied); the first
# niter epochs train only those parts and cond_style. lr 3e-5, 100 + 100 epochs.
# Next: configs/fsvton_student.py. One GPU at batch 4, as the official scripts (see
# fsvton_teacher_warp.py for N GPUs):
#   python tools/train.py configs/fsvton_warp.py
_base_ = [
    '_base_/models/fsvton.py', '_base_/models/tryon_losses.py', '_base_/datasets/viton.py',
    '_base_/schedules/adam_linear_decay_200e.py', '_base_/tryon_runtime.py'
]

model = dict(
    type='ParserFreeWarp',
    warp_model={{_base_.fsvton_warp_model}},
    warp_loss={{_base_.warp_loss}},
    teacher={{_base_.fsvton_teacher}},
    distill_cfg={{_base_.distill_cfg}},
    # `^cond_` = cond_encoder, cond_fpn (they see a photo instead of parsing and pose);
    # warper.cond_style does not match: it starts from the teacher's
    init_cfg=dict(type='PartialPretrained', checkpoint={{_base_.fsvton_teacher.checkpoint}},
                  src_prefix='warp_model.', dst='warp_model',
                  exclude=[r'^cond_', r'^warper\.refine_nets'],
                  made_by={{_base_.fsvton_teacher.made_by}}))

# What trains in the first niter epochs (TrainableScheduleHook patterns).
stage3_trainable = [r'^warp_model\.cond_', r'^warp_model\.warper\.cond_style',
                    r'^warp_model\.warper\.refine_nets']
custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=1000, test_interval=100),
    # upstream: partial optimizer (condition branch, cond_style, refine nets) while the
    # 1-based epoch < niter, then a new Adam over all parameters: 0-based switch at
    # niter - 1 (99), where the optimizer state is cleared
    dict(type='TrainableScheduleHook', switch_epoch={{_base_.switch_epoch}},
         reset_optimizer=True,
         trainable=stage3_trainable),
]
# Parameters frozen by the schedule get no gradient.
model_wrapper_cfg = dict(find_unused_parameters=True)
# A warp has no try-on image: score the warped cloth against the photo inside the warped
# mask on the paired split. No unpaired test loop (no ground truth there).
val_evaluator = [dict(type='MaskedL1', pred_key='pred_warped_cloth', mask_key='pred_warped_mask')]
test_dataloader = None
test_cfg = None
test_evaluator = None
