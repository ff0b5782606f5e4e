"""For tests that start the Runner in other processes (``custom_imports`` of their
config): the Runner's copies of the config text (the log, the dumped config, every
checkpoint's meta) are not formatted with yapf, about 1-2 s per copy on 2 shared cores.
The text stays the same valid Python, on fewer lines. In-process tests use the
``unformatted_config_text`` fixture of ``tests/conftest.py`` instead; the tools' own tests
run the real formatting."""
import mmengine.config.config as config_module

config_module.FormatCode = lambda text, **kwargs: (text, None)
