"""Text and JSON that the databases can store and the pages can show.

PostgreSQL refuses a NUL character in text and in jsonb; neither database (nor UTF-8) can hold a
lone surrogate such as "\\ud800", which JSON's escapes can produce; JSON nested a thousand deep
exhausts Python's recursion on the way in or out. Every piece of user input passes one of these
checks before it reaches a form, a serializer or a service:

- `text_problem(value)`: the words for what is wrong with one string, or None;
- `check_json(data, field=None)`: a ValidationError naming the field (the top-level key) for the
  first bad string or key, or for nesting deeper than MAX_JSON_DEPTH;
- `loads(text)`: json.loads with those checks, a ValidationError for bad JSON.

The API's JSON parser (core.api.JSONParser) and the request middleware (core.middleware.
SafeInputMiddleware, for query strings and web forms) call them; so can anything that reads JSON
typed by a user.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_JSON_DEPTH = 32  # a form definition nests about six deep; nothing we accept needs more
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored, or None when it can."""
    if "\x00" in value:
        return _("含有空字符（NUL），请删除后再提交")
    if _SURROGATE.search(value):
        return _("含有无效的字符（不成对的 Unicode 代理项），请删除后再提交")
    return None


def printable(value: str) -> str:
    """`value` safe to echo in a message: NUL and lone surrogates spelled as escapes."""
    return value.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def field_message(field: str, problem: str) -> str:
    return _("「%(field)s」%(problem)s") % {"field": printable(field), "problem": problem}


def check_json(data: Any, field: str | None = None) -> None:
    """Raise ValidationError({field: [message]}) for the first string or key that cannot be stored or
    for nesting deeper than MAX_JSON_DEPTH; the field is the top-level key the problem sits under
    (`field` when given, else "non_field_errors" for a problem at the top)."""
    stack: list[tuple[Any, int, str | None, str]] = [(data, 1, field, field or "")]
    while stack:
        value, depth, top, path = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                _raise(top, field_message(path, problem) if path else problem)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            _raise(top, _("JSON 嵌套过深：最多 %(n)s 层") % {"n": MAX_JSON_DEPTH})
        if isinstance(value, dict):
            for key, item in value.items():
                key = str(key)
                child_path = f"{path}.{key}" if path else key
                problem = text_problem(key)
                if problem:
                    _raise(top if top is not None else key, field_message(child_path, problem))
                stack.append((item, depth + 1, top if top is not None else key, child_path))
        else:
            for index, item in enumerate(value):
                stack.append((item, depth + 1, top, f"{path}[{index}]"))


def _raise(field: str | None, message: str) -> None:
    raise ValidationError({printable(field) if field else "non_field_errors": [message]})


def loads(text: str | bytes) -> Any:
    """Parse JSON typed by a user: ValidationError for malformed or too deep JSON, or a bad string."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValidationError(_("JSON 嵌套过深：最多 %(n)s 层") % {"n": MAX_JSON_DEPTH}) from None
    except ValueError as exc:
        raise ValidationError(_("JSON 格式错误：%(error)s") % {"error": exc}) from None
    check_json(data)
    return data
