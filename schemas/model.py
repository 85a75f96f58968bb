"""Typed event models as the single source of the contract.

An event's data is a frozen dataclass whose annotations (``Annotated[..., Rule(...)]``) carry
the constraints. From one class this module derives both its closed JSON Schema (draft 2020-12)
and a decoder that checks a JSON object against the same rules, raising
:class:`~schemas.errors.ContractError` that names the field and the rule broken.

Supported annotations: ``str``, ``int``, ``float``, ``bool``, ``datetime`` (tz-aware, RFC 3339),
``date``, a ``StrEnum``, a nested model dataclass, ``tuple[X, ...]``, ``dict[str, float]``,
and ``X | None`` (nullable; optional when it has a default).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import re
import types
import typing
from collections.abc import Callable
from typing import Any

from schemas.codes import check_dossier_code
from schemas.errors import ContractError

__all__ = ["Rule", "decode", "encode", "json_schema"]

JsonDecoder = Callable[[Any], Any]
# Years 2000-2099 only: a moment outside that range is a bad record, and near the datetime
# limits the deadline engine's Vietnam-time arithmetic would overflow.
_DATETIME_PATTERN = (
    r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME_RE = re.compile(_DATETIME_PATTERN)
_DATE_RE = re.compile(_DATE_PATTERN)


@dataclasses.dataclass(frozen=True)
class Rule:
    """Constraints and documentation attached to a field through ``Annotated``."""

    description: str = ""
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    dossier_code: bool = False  # also check the yyMMdd part is a real date


def _rule_of(tp: Any) -> tuple[Any, Rule]:
    if typing.get_origin(tp) is typing.Annotated:
        base, *extras = typing.get_args(tp)
        rules = [e for e in extras if isinstance(e, Rule)]
        return base, (rules[0] if rules else Rule())
    return tp, Rule()


def _nullable(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _unwrap(tp: Any) -> tuple[Any, bool, Rule]:
    """Base type, nullability and the merged rule of ``Annotated[X | None, outer]`` where X may
    itself be ``Annotated[..., inner]``; the outer rule's set fields win."""
    tp, outer = _rule_of(tp)
    tp, nullable = _nullable(tp)
    tp, inner = _rule_of(tp)
    changes = {f.name: getattr(outer, f.name) for f in dataclasses.fields(Rule)
               if getattr(outer, f.name) != f.default}
    return tp, nullable, dataclasses.replace(inner, **changes)


# ---------------------------------------------------------------- JSON Schema


def json_schema(cls: type) -> dict[str, Any]:
    """The closed JSON Schema object (no ``$schema``/``$id``) of a model dataclass."""
    hints = typing.get_type_hints(cls, include_extras=True)
    props, required = {}, []
    for f in dataclasses.fields(cls):
        props[f.name] = _schema_of(hints[f.name])
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    schema: dict[str, Any] = {"type": "object", "properties": props, "required": required,
                              "additionalProperties": False}
    if cls.__doc__:
        schema["description"] = " ".join(cls.__doc__.split("\n\n")[0].split())
    return schema


def _schema_of(tp: Any) -> dict[str, Any]:
    tp, nullable, rule = _unwrap(tp)
    schema = _base_schema(tp)
    for key, value in (("pattern", rule.pattern), ("minLength", rule.min_length),
                       ("maxLength", rule.max_length), ("minimum", rule.minimum),
                       ("maximum", rule.maximum)):
        if value is not None:
            schema[key] = value
    if nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    if rule.description:
        schema["description"] = rule.description
    return schema


def _base_schema(tp: Any) -> dict[str, Any]:
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if tp is dt.datetime:
        return {"type": "string", "format": "date-time", "pattern": _DATETIME_PATTERN}
    if tp is dt.date:
        return {"type": "string", "format": "date", "pattern": _DATE_PATTERN}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"type": "string", "enum": [m.value for m in tp]}
    if dataclasses.is_dataclass(tp):
        return json_schema(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        return {"type": "array", "items": _schema_of(args[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(args[1])}
    raise TypeError(f"unsupported annotation {tp!r}")


# ---------------------------------------------------------------- decoding


def decode(cls: type, data: Any) -> Any:
    """Check ``data`` (parsed JSON) against ``cls`` and build the model instance.

    Raises :class:`ContractError` naming the first field that breaks a rule.
    """
    return _decoder_for(cls)(data)


@functools.cache
def _decoder_for(cls: type) -> JsonDecoder:
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = [(f.name, _field_decoder(hints[f.name]),
               f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
              for f in dataclasses.fields(cls)]
    known = frozenset(name for name, _, _ in fields)

    def decode_object(data: Any) -> Any:
        if not isinstance(data, dict):
            raise ContractError("", f"must be an object, got {_json_type(data)}")
        unknown = data.keys() - known
        if unknown:
            name = sorted(unknown)[0]
            raise ContractError(name, "is not a field of this type (closed schema)")
        values = {}
        for name, decode_field, required in fields:
            if name in data:
                try:
                    values[name] = decode_field(data[name])
                except ContractError as exc:
                    raise exc.under(name) from None
            elif required:
                raise ContractError(name, "is required")
        return cls(**values)

    return decode_object


def _field_decoder(tp: Any) -> JsonDecoder:
    tp, nullable, rule = _unwrap(tp)
    base = _checked(_base_decoder(tp), rule)
    if not nullable:
        return base
    return lambda v: None if v is None else base(v)


def _checked(decoder: JsonDecoder, rule: Rule) -> JsonDecoder:
    checks = _rule_checks(rule)
    if not checks:
        return decoder

    def decode_and_check(value: Any) -> Any:
        result = decoder(value)
        for check in checks:
            check(result)
        return result

    return decode_and_check


def _rule_checks(rule: Rule) -> list[Callable[[Any], None]]:
    checks: list[Callable[[Any], None]] = []
    if rule.dossier_code:  # includes the pattern, with a message a person can act on
        checks.append(_check_dossier_code)
    elif rule.pattern:
        regex = re.compile(rule.pattern)
        checks.append(lambda v: regex.match(v) or _fail(f"must match {rule.pattern}"))
    if rule.min_length is not None:
        checks.append(lambda v: len(v) >= rule.min_length
                      or _fail(f"must be at least {rule.min_length} characters"))
    if rule.max_length is not None:
        checks.append(lambda v: len(v) <= rule.max_length
                      or _fail(f"must be at most {rule.max_length} characters"))
    if rule.minimum is not None:
        checks.append(lambda v: v >= rule.minimum or _fail(f"must be >= {rule.minimum}"))
    if rule.maximum is not None:
        checks.append(lambda v: v <= rule.maximum or _fail(f"must be <= {rule.maximum}"))
    return checks


def _check_dossier_code(value: str) -> None:
    try:
        check_dossier_code(value)
    except ValueError as exc:
        _fail(str(exc))


def _fail(rule: str) -> bool:
    raise ContractError("", rule)


def _base_decoder(tp: Any) -> JsonDecoder:
    if tp is bool:
        return _typed(bool, "a boolean")
    if tp is int:
        return _decode_int
    if tp is float:
        return _decode_number
    if tp is str:
        return _typed(str, "a string")
    if tp is dt.datetime:
        return _decode_datetime
    if tp is dt.date:
        return _decode_date
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_decoder(tp)
    if dataclasses.is_dataclass(tp):
        return _decoder_for(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        return _array_decoder(_field_decoder(args[0]))
    if origin is dict:
        return _map_decoder(_field_decoder(args[1]))
    raise TypeError(f"unsupported annotation {tp!r}")


def _typed(pytype: type, name: str) -> JsonDecoder:
    def decode_typed(value: Any) -> Any:
        if type(value) is not pytype:
            _fail(f"must be {name}, got {_json_type(value)}")
        return value
    return decode_typed


def _decode_int(value: Any) -> int:
    if type(value) is not int:
        _fail(f"must be an integer, got {_json_type(value)}")
    return value


def _decode_number(value: Any) -> float:
    if type(value) not in (int, float) or value != value or value in (float("inf"), float("-inf")):
        _fail(f"must be a finite number, got {_json_type(value)}")
    return float(value)


def _decode_datetime(value: Any) -> dt.datetime:
    if type(value) is not str or not _DATETIME_RE.match(value):
        _fail("must be an RFC 3339 date-time with a UTC offset in the years 2000-2099, "
              "e.g. 2025-08-04T09:30:00+07:00")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        _fail(f"is not a real date-time ({exc})")
    raise AssertionError  # unreachable


def _decode_date(value: Any) -> dt.date:
    if type(value) is not str or not _DATE_RE.match(value):
        _fail("must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        _fail(f"is not a real date ({exc})")
    raise AssertionError  # unreachable


def _enum_decoder(tp: type[enum.Enum]) -> JsonDecoder:
    by_value = {m.value: m for m in tp}
    allowed = ", ".join(map(str, by_value))

    def decode_enum(value: Any) -> enum.Enum:
        try:
            return by_value[value]
        except (KeyError, TypeError):
            _fail(f"must be one of: {allowed}")
        raise AssertionError  # unreachable
    return decode_enum


def _array_decoder(item: JsonDecoder) -> JsonDecoder:
    def decode_array(value: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            _fail(f"must be an array, got {_json_type(value)}")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item(v))
            except ContractError as exc:
                raise exc.under(str(i)) from None
        return tuple(out)
    return decode_array


def _map_decoder(item: JsonDecoder) -> JsonDecoder:
    def decode_map(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            _fail(f"must be an object, got {_json_type(value)}")
        out = {}
        for k, v in value.items():
            try:
                out[k] = item(v)
            except ContractError as exc:
                raise exc.under(k) from None
        return out
    return decode_map


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


# ---------------------------------------------------------------- encoding


def encode(value: Any) -> Any:
    """A model instance (or any supported value) as plain JSON types; ``None`` fields omitted.

    A model class's encoder is compiled once from its annotations (like its decoder), so an
    event does not reflect over its dataclass fields."""
    if type(value) in _PLAIN:
        return value
    compiled = _COMPILED.get(type(value))
    if compiled is not None:
        return compiled(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encoder_for(type(value))(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


_PLAIN = frozenset({str, int, float, bool, type(None)})
_COMPILED: dict[type, Callable[[Any], Any]] = {}


def _encoder_for(cls: type) -> Callable[[Any], Any]:
    compiled = _COMPILED.get(cls)
    if compiled is not None:
        return compiled
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError):  # not a model class: encode its fields generically
        hints = {}
    fields = tuple((f.name, _field_encoder(hints.get(f.name))) for f in dataclasses.fields(cls))

    def encode_object(value: Any) -> dict[str, Any]:
        out = {}
        for name, encode_field in fields:
            v = getattr(value, name)
            if v is not None:
                out[name] = encode_field(v)
        return out

    _COMPILED[cls] = encode_object
    return encode_object


def _field_encoder(tp: Any) -> Callable[[Any], Any]:
    """The encoder of one annotated field; any value of another type than the annotation says
    takes the generic :func:`encode`, so the result never depends on the annotation being right."""
    if tp is None:
        return encode
    tp, _, _ = _unwrap(tp)
    if tp in (str, int, float, bool):
        return lambda v: v if type(v) in _PLAIN else encode(v)
    if tp is dt.datetime or tp is dt.date:
        return lambda v: v.isoformat() if type(v) is tp else encode(v)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return lambda v: v.value if type(v) is tp else encode(v)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return lambda v: _encoder_for(tp)(v) if type(v) is tp else encode(v)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple and args:
        item = _field_encoder(args[0])
        return lambda v: [None if x is None else item(x) for x in v] if type(v) is tuple \
            else encode(v)
    return encode
