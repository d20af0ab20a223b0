"""modcon: find and fix where containers break the module-container properties."""

__version__ = '0.1.0'
