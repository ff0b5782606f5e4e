# PF-AFN schedule (docs/advanced_guides/distillation.md, Schedules): Adam(beta1=0.5),
# global batch 32 (8 GPUs x 4).
# Upstream counts epochs from 1, trains each epoch at the current lr and lowers it by
# lr / niter_decay after every epoch e > niter. In 0-based epochs k that is
#     lr(k) = lr * (1 - max(0, k - niter) / niter_decay),   k = 0 .. max_epochs - 1:
# constant up to and including epoch niter, then linear down to lr / niter_decay in the
# last epoch (never 0). MMEngine's LinearLR, stepped after every epoch, gives epoch
# begin + j the factor start + (end_factor - start) * j / (end - begin - 1), so
# begin = niter, end = max_epochs + 1, end_factor = 0 is that sequence exactly (the factor
# would reach 0 in epoch max_epochs, which never runs). Multiplicative per param group:
# a group with lr_mult (the warp's 0.2x) decays in proportion, as upstream's warp
# optimizer does.
lr = 5e-5
niter = 50
niter_decay = 50
max_epochs = niter + niter_decay
decay_begin = niter
decay_end = max_epochs + 1
# Upstream's stage switches test the 1-based `epoch < niter`: 0-based epoch niter - 1 is
# the first one with the new setting (stage 3's full optimizer, stage 4's skin weights).
switch_epoch = niter - 1

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=lr, betas=(0.5, 0.999)),
    # one summary line instead of one per frozen / lr_mult parameter
    constructor='TryOnOptimWrapperConstructor')

param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, begin=decay_begin, end=decay_end,
         by_epoch=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
