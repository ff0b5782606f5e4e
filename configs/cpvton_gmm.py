# CP-VTON baseline — TPS geometric matching warp + Res-UNet try-on generator on the
# cloth-agnostic person representation (22 ch), trained end to end with the same losses
# and schedule as PB-AFN stage 2. Gives the baseline row of the model zoo. It needs the
# test persons' parsing and pose, so VITON has no val / test loop here (the synthetic
# twin has both).
#   bash tools/dist_train.sh configs/cpvton_gmm.py 8
_base_ = [
    '_base_/models/cpvton_tps_warp.py', '_base_/models/tryon_losses.py',
    '_base_/datasets/viton_train_only.py', '_base_/schedules/adam_linear_decay_100e.py',
    '_base_/tryon_runtime.py'
]

model = dict(
    type='CPVTONBaseline',
    warp_model={{_base_.warp_model}},  # cond_channels=22: the agnostic representation
    generator=dict(type='ResUnetGenerator', in_channels=25),  # agnostic 22 + warped cloth 3
    warp_loss={{_base_.warp_loss}},
    gen_loss={{_base_.gen_loss}},
    warp_loss_weight=1.0)
