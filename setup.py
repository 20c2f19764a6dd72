"""Only the optional C helper; everything else is in pyproject.toml.

`optional=True`: on a machine without a compiler the install still
succeeds and screening runs without its fast path (slower, same results).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("policy.screening._skeleton", ["policy/screening/_skeleton.c"],
                             optional=True)])
