"""Parameter-free building blocks: correlation, flow/grid helpers, TPS, smoothness filters."""
from .correlation import Correlation, local_correlation
from .flow import apply_offset, compose_flows, identity_grid, resize_flow, resize_image, warp
from .second_difference import SecondDifference
from .tps import TPSGridGenerator

__all__ = [
    'Correlation', 'local_correlation', 'apply_offset', 'compose_flows', 'identity_grid',
    'resize_flow', 'resize_image', 'warp', 'SecondDifference', 'TPSGridGenerator'
]
