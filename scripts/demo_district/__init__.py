"""Pieces of scripts/build_demo_district.py: the sample district's people, exports and messages."""
