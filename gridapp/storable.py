"""What the database can store: a value past these limits fails inside the database as a crash.

Every id and count is a 64-bit column, PostgreSQL refuses NUL in text, and neither database
can encode a lone UTF-16 surrogate (JSON's "\\ud915" decodes to one). Every door that takes
input (the API's parser, spreadsheet imports) refuses such values first, naming the field.
"""
from __future__ import annotations

import re
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

OUT_OF_RANGE = "超出允许的数值范围"
UNSTORABLE_TEXT = "包含无法保存的字符"

MAX_ERROR_DEPTH = 8

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> bool:
    return not _UNSTORABLE.search(text)


def unstorable(data: Any) -> dict:
    """The fields of parsed input that no column can hold, as marshmallow-style nested messages.

    Walked without recursion: a body may be nested hundreds deep.
    """
    errors: dict = {}
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _UNSTORABLE.search(key):
                    _put(errors, path + (key,), UNSTORABLE_TEXT)
                else:
                    stack.append((path + (key,), item))
        elif isinstance(value, (list, tuple)):
            stack.extend((path + (index,), item) for index, item in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
            _put(errors, path, OUT_OF_RANGE)
        elif isinstance(value, str) and _UNSTORABLE.search(value):
            _put(errors, path, UNSTORABLE_TEXT)
    return errors


def _put(errors: dict, path: tuple, message: str) -> None:
    path = path[:MAX_ERROR_DEPTH]  # a deep body's error is told at an ancestor, not echoed hundreds deep
    if not path:
        errors.setdefault("_schema", []).append(message)
        return
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
        if isinstance(node, list):  # a field already refused as a whole
            return
    node[path[-1]] = [message]
