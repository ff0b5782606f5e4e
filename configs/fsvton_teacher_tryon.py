# FS-VTON stage 2 — parser-based style-flow warp + Res-UNet generator end to end (the
# teacher). Warp initialised from stage 1; warp lr 0.2x. Next: configs/fsvton_warp.py.
# One GPU at batch 4, as the official scripts (see fsvton_teacher_warp.py for N GPUs):
#   python tools/train.py configs/fsvton_teacher_tryon.py
_base_ = [
    '_base_/models/fsvton.py', '_base_/models/tryon_losses.py',
    '_base_/datasets/viton_train_only.py', '_base_/schedules/adam_linear_decay_100e.py',
    '_base_/tryon_runtime.py'
]

stage1_checkpoint = 'work_dirs/fsvton_teacher_warp/epoch_100.pth'

model = dict(
    type='ParserBasedTryOn',
    warp_model={{_base_.fsvton_teacher_warp_model}},
    generator={{_base_.pbafn_generator}},
    use_densepose={{_base_.pbafn_use_densepose}},
    warp_loss={{_base_.warp_loss}},
    gen_loss={{_base_.gen_loss}},
    warp_loss_weight=0.5,  # upstream: 0.5 * warp loss + generator loss
    gen_loss_weight=1.0,
    init_cfg=dict(type='PartialPretrained', checkpoint=stage1_checkpoint,
                  src_prefix='warp_model.', dst='warp_model',
                  made_by='python tools/train.py configs/fsvton_teacher_warp.py'))

# Warp at 0.2x the generator's learning rate (upstream: 1e-5 vs 5e-5).
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_model': dict(lr_mult=0.2)}))
