"""Config helpers shared by the config and schedule tests."""


def offline(cfg):
    """Copy of a model config that builds without downloaded weights or earlier stages:
    random VGG19, no teacher checkpoint (those files are checked by their own tests)."""
    if isinstance(cfg, dict):
        cfg = {k: offline(v) for k, v in cfg.items()}
        if cfg.get('type') == 'VGGPerceptualLoss':
            cfg['pretrained'] = False
        if cfg.get('type') == 'ParserBasedTeacher':
            cfg['checkpoint'] = None
        return cfg
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(offline(v) for v in cfg)
    return cfg
