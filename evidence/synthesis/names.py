"""The names of the measures, methods and prediction-interval conventions, without numpy or scipy, so
the command line can offer them without loading the numerical code."""

RATIO = ("RR", "OR", "HR")
BINARY = ("RR", "OR", "RD")
CONTINUOUS = ("MD", "SMD")
MEASURES = ("RR", "OR", "RD", "MD", "SMD", "HR")
METHODS = ("FE", "DL", "REML", "PM", "MH")
RANDOM = ("DL", "REML", "PM")
PREDICTIONS = ("z", "t")
