"""Evidence on interventions that help people with a health condition stay in or return to work."""

from .version import __version__  # noqa: F401  (evidence.__version__, the public name)


def load(table: str = "findings", db: str = "evidence.db", **filters):
    """A table of the database as a pandas DataFrame, filtered like `evidence export`:

    >>> import evidence
    >>> evidence.load("findings", condition="cancer", certainty=["moderate", "high"])
    """
    from .exports.tables import load as load_table  # pandas is imported only when a notebook asks for data

    return load_table(table, db, **filters)
