"""The building blocks of the scenario definition (network/scenario.py): its pydantic settings,
the field types whose file form differs from their runtime form, and how the app and the docs
read a field's metadata (range, default source).

- `Keyed`: a tuple of (key, value) pairs at runtime, a JSON object in files (`weight_mix`,
  multipliers, `sources`, a service's rates keyed by weight).
- `Column`: a numpy array at runtime, a JSON list in files (the ZIP3 base's columns).
- `Sourced`: the source of a field's default value.
- `optional_in_files`: fields that code must give but a file may leave out.
- `Range`: a number field's allowed values, for a form's number input and its check.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import numpy as np
from pydantic import ConfigDict, GetCoreSchemaHandler
from pydantic.fields import FieldInfo
from pydantic_core import core_schema

# Files may hold only the keys the definition knows (a misspelt key is an error, not a silent
# default); code may build values by field name, files use the aliases (`service`); NaN and
# infinity are never a valid number.
CONFIG = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True,
                    serialize_by_alias=True, allow_inf_nan=False)


def key_text(key: Any) -> str:
    """A JSON object key for a runtime key: 2.0 -> '2', 0.5 -> '0.5' (exact, unlike '%g')."""
    if isinstance(key, float):
        return str(int(key)) if key.is_integer() else repr(key)
    return str(key)


def _number_first(key: Any) -> tuple[int, float, str]:
    """Sort order of raw JSON keys: numbers by value, then anything else by its text."""
    try:
        return (0, float(key), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(key))


@dataclass(frozen=True)
class Keyed:
    """Marks a tuple field that a file holds as a JSON object {key: value}, kept at runtime
    sorted by key: as (key, value) pairs (`part="items"`), or only the keys or only the values
    (two fields read from one object). Errors in a file name the key."""

    key: Any
    value: Any
    part: Literal["items", "keys", "values"] = "items"
    min_items: int = 0

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler
                                     ) -> core_schema.CoreSchema:
        as_dict = handler.generate_schema(dict[self.key, self.value])
        runtime = handler(source)
        if self.min_items:
            as_dict["min_length"] = runtime["min_length"] = self.min_items
        from_file = core_schema.no_info_after_validator_function(self._from_dict, as_dict)
        serialization = None
        if self.part == "items":
            serialization = core_schema.plain_serializer_function_ser_schema(
                lambda pairs: {key_text(k): v for k, v in pairs}, when_used="json")
        return core_schema.json_or_python_schema(
            json_schema=from_file, python_schema=runtime, serialization=serialization)

    def _from_dict(self, mapping: dict) -> tuple:
        items = sorted(mapping.items(), key=lambda kv: _number_first(kv[0]))
        if self.part == "keys":
            return tuple(k for k, _ in items)
        if self.part == "values":
            return tuple(v for _, v in items)
        return tuple(items)


@dataclass(frozen=True)
class Column:
    """Marks a numpy-array field: one `item` per row of a table, a JSON list in files. Arrays
    given in code are taken as they are (their readers check them)."""

    item: Any

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler
                                     ) -> core_schema.CoreSchema:
        from_list = core_schema.no_info_after_validator_function(
            lambda values: np.asarray(values, dtype=float),
            core_schema.list_schema(handler.generate_schema(self.item)))
        return core_schema.json_or_python_schema(
            json_schema=from_list,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(np.ndarray), from_list]),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda array: array.tolist(), when_used="json"))


@dataclass(frozen=True)
class Sourced:
    """The source of a field's default value ("estimate: ..." when it is one). A scenario that
    keeps the default without naming a source gets this text in `costs.sources`."""

    text: str


def optional_in_files(**defaults: Any) -> Callable[[type], type]:
    """Class decorator (under the pydantic one): these fields may be left out of a file, which
    then reads as `defaults`; code still gives them (they precede required fields, so the
    dataclass cannot default them). Only the file (JSON) form of the class gets the defaults."""

    def core(cls: type, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        in_code = handler(source)
        if in_code["type"] == "json-or-python":  # already done: the class's finished schema
            return in_code
        in_files = copy.deepcopy(in_code)
        args = in_files  # under the class's validators, if any
        while args["type"] != "dataclass-args":
            args = args["schema"]
        for f in args["fields"]:
            if f["name"] in defaults:
                f["schema"] = core_schema.with_default_schema(f["schema"],
                                                              default=defaults[f["name"]])
        return core_schema.json_or_python_schema(json_schema=in_files, python_schema=in_code)

    def decorate(cls: type) -> type:
        cls.__get_pydantic_core_schema__ = classmethod(core)
        return cls

    return decorate


# ---------------------------------------------------------------------------------------------
# Reading a field's metadata


def _constraints(tp: Any) -> tuple[Any, list]:
    """The number type under Annotated/Optional wrappers and its annotated_types constraints."""
    found: list = []
    while True:
        if get_origin(tp) is Annotated:
            base, *meta = get_args(tp)
            for m in meta:
                found.extend(m.metadata if isinstance(m, FieldInfo) else [m])
            tp = base
        elif get_origin(tp) in (Union, type(int | None)):
            tp = next(a for a in get_args(tp) if a is not type(None))
        else:
            return tp, found


def field_info(owner: type, name: str) -> FieldInfo:
    return owner.__pydantic_fields__[name]


def default_source(owner: type, name: str) -> str | None:
    """The `Sourced` text of a field, if it has one."""
    return next((m.text for m in field_info(owner, name).metadata if isinstance(m, Sourced)),
                None)


@dataclass(frozen=True)
class Range:
    """The values a number field allows, as its definition states them."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    integer: bool = False

    @classmethod
    def of_type(cls, tp: Any, extra: list | tuple = ()) -> Range:
        """The range of an Annotated number type (such as `Share`)."""
        base, found = _constraints(tp)
        bounds: dict[str, float] = {}
        for c in [*extra, *found]:
            for key in ("ge", "gt", "le", "lt"):
                if isinstance(c, getattr(annotated_types, key.capitalize())):
                    bounds[key] = getattr(c, key)
        return cls(**bounds, integer=base is int)

    @classmethod
    def of(cls, owner: type, name: str) -> Range:
        """The range of field `name` of a scenario class."""
        info = field_info(owner, name)
        return cls.of_type(info.annotation, info.metadata)

    def scaled(self, factor: float) -> Range:
        """The same range for a value shown multiplied by `factor` (a share as a percent)."""
        def s(v: float | None) -> float | None:
            return None if v is None else v * factor
        return Range(s(self.ge), s(self.gt), s(self.le), s(self.lt), self.integer)

    def _number(self, value: float | None) -> float | int | None:
        if value is None:
            return None
        return int(value) if self.integer else float(value)

    @property
    def minimum(self) -> float | int | None:
        """The lowest value a form's number input should offer."""
        return self._number(self.ge if self.ge is not None else self.gt)

    @property
    def maximum(self) -> float | int | None:
        return self._number(self.le if self.le is not None else self.lt)

    def problem(self, value: float) -> str | None:
        """Why `value` is outside the range, or None when it is inside."""
        text = f"{value:g}"
        if math.isnan(value) or math.isinf(value):
            return f"{text} is not a finite number"
        if self.integer and not float(value).is_integer():
            return f"{text} must be a whole number"
        if self.ge is not None and value < self.ge:
            return f"{text} is below the minimum {self.ge:g}"
        if self.gt is not None and value <= self.gt:
            return f"{text} must be greater than {self.gt:g}"
        if self.le is not None and value > self.le:
            return f"{text} is above the maximum {self.le:g}"
        if self.lt is not None and value >= self.lt:
            return f"{text} must be less than {self.lt:g}"
        return None
