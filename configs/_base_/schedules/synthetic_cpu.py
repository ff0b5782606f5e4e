# Short schedule of the synthetic CPU configs: the PF-AFN shape (Adam beta1 0.5, constant
# then linear decay) over a few epochs, with a larger learning rate for the small batch
# and model. Named `synthetic_*` so it can be merged into a full config.
synthetic_lr = 2e-4
synthetic_niter = 3
synthetic_niter_decay = 1
synthetic_max_epochs = synthetic_niter + synthetic_niter_decay

synthetic_optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=synthetic_lr, betas=(0.5, 0.999)))
synthetic_param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, begin=synthetic_niter,
         end=synthetic_max_epochs, by_epoch=True),
]
synthetic_train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=synthetic_max_epochs,
                           val_interval=synthetic_max_epochs)
synthetic_default_hooks = dict(
    logger=dict(type='LoggerHook', interval=16),
    checkpoint=dict(type='CheckpointHook', interval=synthetic_max_epochs, max_keep_ckpts=1,
                    save_last=True))
