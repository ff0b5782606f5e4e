# Res-UNet try-on generator of PF-AFN (docs/advanced_guides/losses.md): 5 stride-2 levels, ngf 64,
# BatchNorm, bias-free convs, 4 outputs (rendered RGB 3 + composition mask logit 1).
# in_channels: 7 for the parser-free student (person 3 + warped cloth 3 + warped mask 1);
# the parser-based teacher uses 8 (preserve region 3 + warped cloth 3 + warped mask 1 +
# dense preserve mask 1): override with `generator.update(in_channels=8)` or
# `dict(type='ResUnetGenerator', in_channels=8, ...)` in the teacher config.
generator = dict(
    type='ResUnetGenerator',
    in_channels=7,
    out_channels=4,
    num_downs=5,
    ngf=64,
    norm_cfg=dict(type='BN'))
