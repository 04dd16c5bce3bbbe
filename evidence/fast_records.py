"""A fast path for valid records: what pydantic would accept, read without building a model.

``validate(SourceIn, raw)`` returns a ``Record`` (fields as attributes, ``model_dump`` as pydantic's)
when every field of the record and its nested records is of a kind this module reads exactly as
pydantic does (text, patterned text, numbers and counts with their bounds, booleans, lists of text,
lists of records) and holds a value pydantic takes without conversion (``int`` for an int, ``int`` or
finite ``float`` for a float, ``str`` for text). Anything else, and any value that breaks a rule,
returns None: the caller then validates with the model, so every problem is still pydantic's own.
What each kind accepts is read from the models' field definitions (evidence/schema.py), once; a field
of a kind not listed here makes its model always take the model path.
"""

from __future__ import annotations

import math
import re
import types
import typing
from functools import lru_cache
from typing import Annotated, Any, Callable, Optional, Union

import annotated_types
from pydantic import AfterValidator, AllowInfNan, BeforeValidator, StringConstraints

from . import schema


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


def validate(model: type, raw: Any) -> Optional[Record]:
    """The record as ``model`` would validate it, or None when the model must decide."""
    reader = _reader(model)
    if reader is None:
        return None
    try:
        return reader(raw)
    except Decline:
        return None


@lru_cache(maxsize=None)
def _reader(model: type) -> Optional[Callable[[Any], Record]]:
    """A function that reads a mapping as ``model`` would, or None when a field is of an unknown kind."""
    decorators = model.__pydantic_decorators__
    if (model.model_config.get("extra") != "forbid" or decorators.model_validators or decorators.field_validators
            or decorators.validators or decorators.root_validators):
        return None
    checks: dict[str, Check] = {}
    defaults: dict[str, Any] = {}  # every field in the model's order: what a record without it holds
    factories: dict[str, Callable[[], Any]] = {}
    required: set[str] = set()
    for name, info in model.model_fields.items():
        if info.alias or info.validation_alias:
            return None
        check = _check(info.annotation, info.metadata)
        if check is None:
            return None
        checks[name], defaults[name] = check, None
        if info.is_required():
            required.add(name)
        elif info.default_factory is not None:
            factories[name] = info.default_factory
        elif isinstance(info.default, (list, dict, set)):
            return None  # a shared mutable default: not copied here
        else:
            defaults[name] = info.default
    required_names = frozenset(required)
    kind = type(f"{model.__name__}Record", (Record,), {"lists": tuple(
        name for name, info in model.model_fields.items() if typing.get_origin(info.annotation) is list)})

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


def _check(annotation: Any, metadata: list) -> Optional[Check]:
    """The check for a field's annotation and its metadata, or None when it is of an unknown kind."""
    optional = False
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None
        optional, annotation = True, args[0]
    if typing.get_origin(annotation) is Annotated:
        annotation, *inner = typing.get_args(annotation)
        metadata = [*inner, *metadata]
    return _base(annotation, [m for m in metadata if type(m).__name__ != "FieldInfoMetadata"], optional)


def _base(annotation: Any, metadata: list, optional: bool) -> Optional[Check]:
    bounds, pattern, not_blank, not_bool = [], None, False, False
    for m in metadata:
        if isinstance(m, (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt)):
            bounds.append(m)
        elif isinstance(m, StringConstraints) and m.pattern and not any(
                getattr(m, k) for k in ("strip_whitespace", "to_upper", "to_lower", "strict", "min_length",
                                        "max_length", "ascii_only")):
            pattern = re.compile(m.pattern)
        elif isinstance(m, AfterValidator) and m.func is schema._not_blank:
            not_blank = True
        elif isinstance(m, BeforeValidator) and m.func is schema._not_bool:
            not_bool = True
        elif isinstance(m, BeforeValidator) and m.func is schema._whole_number:
            if annotation is not int:
                return None
            not_bool = True  # an int and nothing else (not a bool, '10' or 10.0): what _number(int) takes
        elif isinstance(m, AllowInfNan) and not m.allow_inf_nan:
            pass  # a known rule: _number never takes a non-finite float (the model decides those)
        else:
            return None  # a rule this module does not know
    if annotation is str and not bounds:
        return _text(pattern, not_blank, optional)
    if pattern or not_blank:
        return None
    if annotation is int:
        return _number(int, bounds, optional)
    if annotation is float:
        return _number(float, bounds, optional)  # a non-finite float always goes to the model, AllowInfNan or not
    if annotation is bool and not bounds and not not_bool:
        def boolean(value: Any) -> Optional[bool]:
            if type(value) is not bool and not (optional and value is None):
                raise Decline
            return value
        return boolean
    if typing.get_origin(annotation) is list and not bounds and not not_bool and not optional:
        (item,) = typing.get_args(annotation)
        if item is str:
            def texts(value: Any) -> list:
                if type(value) is not list or any(type(v) is not str for v in value):
                    raise Decline
                return list(value)
            return texts
        reader = _reader(item) if isinstance(item, type) else None
        if reader is None:
            return None

        def records(value: Any) -> list:
            if type(value) is not list:
                raise Decline
            return [reader(v) for v in value]
        return records
    return None


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


def _limits(bounds: list) -> tuple[float, float, bool, bool]:
    """(lowest, highest, whether each is excluded) from Ge/Gt/Le/Lt."""
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for b in bounds:
        if isinstance(b, annotated_types.Ge):
            low = b.ge
        elif isinstance(b, annotated_types.Gt):
            low, low_open = b.gt, True
        elif isinstance(b, annotated_types.Le):
            high = b.le
        else:
            high, high_open = b.lt, True
    return low, high, low_open, high_open


def _number(kind: type, bounds: list, optional: bool) -> Check:
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
    low, high, low_open, high_open = _limits(bounds)
    return number
