"""Language analysis shared by the language detectors.

* `normalize`: undoing the obfuscations people use to get swear words past filters.
* `lexicon`: whole-word matching of the vulgarity / insult / slur lexicon (data file).
* `linear_model`: the trained offensive / targeted models (NumPy weights, no pickles).
"""
