"""simgen: procedural indoor scenes, egocentric videos and exact ground truth.

Importing this package has no side effects: it sets no environment variables,
configures no logging and touches no GPU.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
