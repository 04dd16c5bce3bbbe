"""A fast path for valid records: what pydantic would accept, read without building a model.

``validate("SourceIn", raw)`` (a model or its name) returns a ``Record`` (fields as attributes,
``model_dump`` as pydantic's) when every field of the record and its nested records is of a kind this
module reads exactly as pydantic does (text, patterned text, numbers and counts with their bounds,
booleans, lists of text, lists of records) and holds a value pydantic takes without conversion (``int``
for an int, ``int`` or finite ``float`` for a float, ``str`` for text). Anything else, and any value that
breaks a rule, returns None: the caller then validates with the model, so every problem is still
pydantic's own. What each field accepts is read from ``RECORDS`` in evidence/columns.py, generated from
the models' field definitions (``schema.fast_fields``), so this module loads neither pydantic nor the
schema (an incremental build validates its few records without them); a model of a field of a kind not
listed there is None in ``RECORDS`` and always takes the model path.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any, Callable, Optional, Union

from .columns import RECORDS


class Decline(Exception):
    """The fast path does not decide this record: the model does."""


class Record:
    """A record as its model would hold it: fields as attributes, ``model_dump`` as pydantic's."""

    lists: tuple[str, ...] = ()  # the fields that hold lists (of text or of records), set per model

    def model_dump(self, include: Optional[set] = None, exclude: Optional[set] = None) -> dict:
        values = vars(self)
        if include is not None:
            values = {name: values[name] for name in values if name in include}
        else:
            values = dict(values)
            for name in exclude or ():
                values.pop(name, None)
        for name in self.lists:
            if name in values:
                values[name] = [v.model_dump() if isinstance(v, Record) else v for v in values[name]]
        return values


Check = Callable[[Any], Any]  # returns the value as the model holds it, or raises Decline


def validate(model: Union[str, type], raw: Any) -> Optional[Record]:
    """The record as ``model`` (an input model of evidence/schema.py, or its name) would validate it, or
    None when the model must decide."""
    reader = _reader(model if isinstance(model, str) else model.__name__)
    if reader is None:
        return None
    try:
        return reader(raw)
    except Decline:
        return None


@lru_cache(maxsize=None)
def _reader(model: str) -> Optional[Callable[[Any], Record]]:
    """A function that reads a mapping as the model named ``model`` would, or None when the model decides."""
    fields = RECORDS.get(model)
    if fields is None:
        return None
    checks: dict[str, Check] = {}
    defaults: dict[str, Any] = {}  # every field in the model's order: what a record without it holds
    factories: dict[str, Callable[[], Any]] = {}
    required: set[str] = set()
    for name, check, default in fields:
        checks[name], defaults[name] = _check(check), None
        if default[0] == "required":
            required.add(name)
        elif default[0] == "factory":
            factories[name] = list
        else:
            defaults[name] = default[1]
    required_names = frozenset(required)
    kind = type(f"{model}Record", (Record,), {"lists": tuple(
        name for name, check, _ in fields if check[0] in ("texts", "records"))})

    def read(raw: Any) -> Record:
        if type(raw) is not dict or not required_names <= raw.keys():
            raise Decline  # not a mapping, or a required field missing
        values = defaults.copy()
        for name, value in raw.items():
            check = checks.get(name)
            if check is None:
                raise Decline  # a field the model does not know
            values[name] = check(value)
        for name, factory in factories.items():
            if name not in raw:
                values[name] = factory()
        record = kind()
        record.__dict__ = values
        return record

    return read


def _check(spec: tuple) -> Check:
    """The check of a field, from its spec in RECORDS (see ``schema.fast_fields``)."""
    kind = spec[0]
    if kind == "text":
        _, pattern, not_blank, optional = spec
        return _text(re.compile(pattern) if pattern else None, not_blank, optional)
    if kind in ("int", "float"):
        _, low, high, low_open, high_open, optional = spec
        return _number(int if kind == "int" else float, -math.inf if low is None else low,
                       math.inf if high is None else high, low_open, high_open, optional)
    if kind == "bool":
        optional = spec[1]

        def boolean(value: Any) -> Optional[bool]:
            if type(value) is not bool and not (optional and value is None):
                raise Decline
            return value
        return boolean
    if kind == "texts":
        def texts(value: Any) -> list:
            if type(value) is not list or any(type(v) is not str for v in value):
                raise Decline
            return list(value)
        return texts
    reader = _reader(spec[1])  # "records": a list of records of the model named
    assert reader is not None, spec  # schema.fast_fields names only models the fast path reads

    def records(value: Any) -> list:
        if type(value) is not list:
            raise Decline
        return [reader(v) for v in value]
    return records


def _text(pattern: Optional[re.Pattern], not_blank: bool, optional: bool) -> Check:
    def text(value: Any) -> Optional[str]:
        if type(value) is not str:
            if optional and value is None:
                return None
            raise Decline
        if (not_blank and not value.strip()) or (pattern and not pattern.fullmatch(value)):
            raise Decline  # fullmatch: Python's $ also matches before a final line break, pydantic's does not
        return value
    return text


def _number(kind: type, low: float, high: float, low_open: bool, high_open: bool, optional: bool) -> Check:
    def number(value: Any) -> Any:
        if value is None and optional:
            return None
        if type(value) is int and (kind is int or abs(value) <= 2**53):
            value = kind(value)  # an int for a float field: exact below 2**53, as pydantic converts it
        elif not (kind is float and type(value) is float and math.isfinite(value)):
            raise Decline
        if not (low <= value <= high) or (low_open and value == low) or (high_open and value == high):
            raise Decline
        return value
    return number
