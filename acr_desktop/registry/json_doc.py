"""JSON from servers and files, bounded: nesting depth, number size and text checked so that any
input gives a value or `InvalidResponse` with a sentence, in time linear in its length.

`load_json(data, what="manifest")` is how registry code reads any JSON it did not write itself.
`clean_text()` makes any text safe to encode (lone surrogates become U+FFFD).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any, NoReturn

from acr_desktop.registry.errors import InvalidResponse

MAX_DEPTH = 64  # real manifests, configs and token answers nest fewer than 10 levels
MAX_INT_DIGITS = 20  # 2**64 has 20 digits; sizes and times never need more
MAX_NUMBER_TEXT = 100  # a float written with more characters than this is not data we use
MAX_SIZE = 2**63 - 1  # the largest size a descriptor may declare (OCI: int64)

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_ESCAPE_PAIR = re.compile(rb"\\.", re.DOTALL)
_NOT_SKELETON = bytes(c for c in range(256) if c not in b'"[]{}')  # bytes to delete
_CHUNK = 65536  # brackets summed between checks of the limit
_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class _Rejected(Exception):
    """Raised from inside the decoder's hooks; turned into InvalidResponse by load_json."""


def load_json(data: bytes | str, *, what: str) -> Any:
    """Decode JSON text (UTF-8 bytes, an optional BOM, or str) and return the value.

    Raises InvalidResponse naming `what` ("The manifest is nested deeper than 64 levels…") for
    invalid UTF-8, lone surrogates, nesting deeper than MAX_DEPTH, integers longer than
    MAX_INT_DIGITS digits, numbers that overflow a float, NaN/Infinity, or anything not JSON.
    """
    subject = f"The {what}"
    if isinstance(data, str):
        text = data
        if not is_encodable(text):
            _fail(f"{subject} holds text that is not valid Unicode (a lone surrogate).")
        raw = text.encode("utf-8")
    else:
        raw = bytes(data)
        try:
            text = raw.decode("utf-8-sig")  # strict: invalid bytes and encoded surrogates fail
        except UnicodeDecodeError as exc:
            _fail(f"{subject} is not valid UTF-8 (byte {exc.start}).")
    depth = nesting_depth(raw, MAX_DEPTH)
    if depth > MAX_DEPTH:
        _fail(f"{subject} is nested deeper than {MAX_DEPTH} levels; it was not read.")
    try:
        value = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except _Rejected as exc:
        _fail(f"{subject} {exc}")
    except json.JSONDecodeError as exc:
        _fail(f"{subject} is not valid JSON ({exc}).")
    except (ValueError, RecursionError) as exc:  # belt and braces: the checks above cover these
        _fail(f"{subject} could not be read as JSON ({type(exc).__name__}).")
    if _SURROGATE_ESCAPE.search(text) and not _strings_encodable(value):
        _fail(f"{subject} holds text that is not valid Unicode (a lone surrogate).")
    return value


def load_json_object(data: bytes | str, *, what: str) -> dict[str, Any]:
    """`load_json` for documents that must be a JSON object."""
    value = load_json(data, what=what)
    if not isinstance(value, dict):
        _fail(f"The {what} is not a JSON object.")
    return value


def nesting_depth(data: bytes, stop_above: int) -> int:
    """The deepest bracket nesting outside strings of UTF-8 JSON text (counting stops once past
    `stop_above`), in linear time at C speed: drop escape pairs, keep only quotes and brackets,
    cut the strings out, then a running sum over the brackets left. Unmatched closers are not
    clamped: the decoder fails on the first of them before it nests any deeper."""
    if data.count(b"[") + data.count(b"{") <= stop_above:
        return 0  # cannot be deeper than the number of openers: skip the scan
    if b"\\" in data:
        data = _ESCAPE_PAIR.sub(b"", data)  # `\"` and `\\` must not end or open a string
    # Two quotes in a row (an empty string, or nothing between two strings) leave the brackets
    # outside strings as they are: dropping them first makes the split below small.
    skeleton = data.translate(None, _NOT_SKELETON).replace(b'""', b"")
    outside = b"".join(skeleton.split(b'"')[::2])  # even pieces lie outside strings
    depth = deepest = 0
    for start in range(0, len(outside), _CHUNK):
        steps = list(
            accumulate(map(_DELTA.__getitem__, outside[start : start + _CHUNK]), initial=depth)
        )
        depth, deepest = steps[-1], max(deepest, *steps)
        if deepest > stop_above:
            break
    return deepest


def is_encodable(text: str) -> bool:
    """Can `text` be encoded as UTF-8 (no lone surrogates)?"""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_text(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD, so it can always be printed or encoded."""
    if is_encodable(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _strings_encodable(value: Any) -> bool:
    """Every key and string in a decoded value encodes (`\\ud800` escapes decode to surrogates).
    Iterative, so it needs no recursion whatever the depth."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not is_encodable(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Rejected(f"holds a number with more than {MAX_INT_DIGITS} digits.")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_TEXT:
        raise _Rejected(f"holds a number written with more than {MAX_NUMBER_TEXT} characters.")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Rejected("holds a number too large to represent.")
    return value


def _parse_constant(text: str) -> NoReturn:
    raise _Rejected(f"holds “{text}”, which is not a JSON number.")


def _fail(sentence: str) -> NoReturn:
    raise InvalidResponse(sentence) from None
