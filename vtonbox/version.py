"""Version of the vtonbox package (single source, read by setup.py)."""
__version__ = '0.1.0'
