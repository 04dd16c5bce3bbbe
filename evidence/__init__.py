"""Evidence on interventions that help people with a health condition stay in or return to work."""

__version__ = "0.1.0"
