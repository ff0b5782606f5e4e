# PF-AFN schedule (reference §3): Adam(beta1=0.5), lr 5e-5 constant for `niter` epochs,
# then linearly decayed to ~0 over `niter_decay` epochs. Global batch 32 (8 GPUs x 4).
lr = 5e-5
niter = 50
niter_decay = 50
max_epochs = niter + niter_decay

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=lr, betas=(0.5, 0.999)))

param_scheduler = [
    dict(type='ConstantLR', factor=1.0, begin=0, end=niter, by_epoch=True),
    dict(type='LinearLR', start_factor=1.0, end_factor=1.0 / niter_decay, begin=niter,
         end=max_epochs, by_epoch=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
test_cfg = dict(type='TestLoop')
