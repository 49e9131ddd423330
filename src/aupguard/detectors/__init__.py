"""Detectors: one per module, registered by name in `registry`."""
