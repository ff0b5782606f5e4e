"""Install vtonbox: ``pip install -e .`` (add ``[tests]`` / ``[webui]`` for extras)."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt`` without comments."""
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line and not line.startswith('-')]


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(HERE, 'vtonbox', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='vtonbox',
    version=read_version(),
    description='An MMEngine toolbox for image-based virtual try-on (PF-AFN, PB-AFN, CP-VTON)',
    long_description=open(osp.join(HERE, 'README.md')).read() if osp.exists(
        osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    install_requires=read_requirements('runtime'),
    extras_require={'tests': read_requirements('tests'), 'webui': read_requirements('webui')},
    zip_safe=False,
)
