# Short schedule of the synthetic CPU configs: the PF-AFN shape (Adam beta1 0.5, constant
# then linear decay, see adam_linear_decay_100e.py) over a few epochs, with a larger
# learning rate for the small batch and model. Named `synthetic_*` so it can be merged
# into a full config. As upstream with niter_decay = 1, all 4 epochs train at
# synthetic_lr (the one decay step would come after the last epoch).
synthetic_lr = 2e-4
synthetic_niter = 3
synthetic_niter_decay = 1
synthetic_max_epochs = synthetic_niter + synthetic_niter_decay
synthetic_decay_begin = synthetic_niter
synthetic_decay_end = synthetic_max_epochs + 1
synthetic_switch_epoch = synthetic_niter - 1

synthetic_optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=synthetic_lr, betas=(0.5, 0.999)),
    # one summary line instead of one per frozen / lr_mult parameter
    constructor='TryOnOptimWrapperConstructor')
synthetic_param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, begin=synthetic_decay_begin,
         end=synthetic_decay_end, by_epoch=True),
]
synthetic_train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=synthetic_max_epochs,
                           val_interval=synthetic_max_epochs)
synthetic_default_hooks = dict(
    logger=dict(type='LoggerHook', interval=16),
    checkpoint=dict(type='CheckpointHook', interval=synthetic_max_epochs, max_keep_ckpts=1,
                    save_last=True))
