"""aupguard: a school district's technology-use policy (401.13 / 713), put into practice."""

__version__ = "0.1.0"
