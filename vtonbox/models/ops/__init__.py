"""Building blocks of the networks: correlation, flow/grid helpers, TPS, smoothness
filters (parameter-free) and the modulated convolution of the style-flow head."""
from .correlation import Correlation, local_correlation
from .flow import apply_offset, compose_flows, identity_grid, resize_flow, resize_image, warp
from .modulated_conv import ModulatedConv2d
from .second_difference import SecondDifference
from .tps import TPSGridGenerator

__all__ = [
    'Correlation', 'local_correlation', 'apply_offset', 'compose_flows', 'identity_grid',
    'resize_flow', 'resize_image', 'warp', 'SecondDifference', 'TPSGridGenerator',
    'ModulatedConv2d'
]
