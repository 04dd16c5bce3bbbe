"""The names of the measures, methods and prediction-interval conventions, without numpy or scipy, so
the command line can offer them without loading the numerical code.

Which measures exist, which are ratios and which pooling methods there are is said once, by the terms of
evidence/scales.yaml (effect_measure with its ``scale``; pooling_method); what data each measure is
computed from (escalc's formulas) and which methods estimate τ² are the engine's own.
"""

from ..vocabulary import scales

_SCALES = scales()
MEASURES = tuple(_SCALES.terms("effect_measure"))
RATIO = tuple(m for m in MEASURES if _SCALES.term("effect_measure", m)["scale"] == "ratio")
METHODS = tuple(_SCALES.terms("pooling_method"))
BINARY = ("RR", "OR", "RD")
CONTINUOUS = ("MD", "SMD")
RANDOM = ("DL", "REML", "PM")
PREDICTIONS = ("z", "t")
