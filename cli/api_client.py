"""`hotline admin`: any administrative call on the running engine's API, from a shell.

The change goes through the engine, as the page's does: it is checked by the same rules, live on
the PBX before the reply, and audited under the user who signed in. Fields are given as
`name=text`, `name:=json` (numbers, lists, objects) or `name@path` (a file, sent as a form).
"""
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

TIMEOUT_S = 60


class ApiCallError(Exception):
    pass


def fields_of(items: list[str]) -> tuple[dict[str, Any], dict[str, Path]]:
    """`a=text b:=json f@path` -> ({"a": "text", "b": <json>}, {"f": Path(path)})."""
    values: dict[str, Any] = {}
    files: dict[str, Path] = {}
    for item in items:
        for mark in (":=", "@", "="):
            name, sep, value = item.partition(mark)
            if sep and name and not any(c in name for c in ":=@"):
                break
        else:
            raise ApiCallError(f"{item!r}: a field is name=text, name:=json or name@file")
        if mark == ":=":
            try:
                values[name] = json.loads(value)
            except ValueError:
                raise ApiCallError(f"{name}: {value!r} is not JSON") from None
        elif mark == "@":
            files[name] = Path(value)
        else:
            values[name] = value
    return values, files


def call(base_url: str, token: str | None, method: str, path: str,
         values: dict[str, Any] | None = None, files: dict[str, Path] | None = None,
         form: bool = False) -> tuple[int, Any]:
    """(status, the reply's JSON or None)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: bytes | None = None
    if files:
        body, headers["Content-Type"] = _multipart(values or {}, files)
    elif form:
        body = urlencode(values or {}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif values:
        body = json.dumps(values).encode()
        headers["Content-Type"] = "application/json"
    request = Request(base_url.rstrip("/") + path, data=body, method=method.upper(),
                      headers=headers)
    try:
        with urlopen(request, timeout=TIMEOUT_S) as reply:
            status, data = reply.status, reply.read()
    except HTTPError as exc:
        status, data = exc.code, exc.read()
    except URLError as exc:
        raise ApiCallError(f"the engine at {base_url} does not answer: {exc.reason}") from None
    return status, json.loads(data) if data else None


def said(reply: Any) -> str:
    """A refusal as a person reads it: one line per broken rule, naming the field."""
    detail = reply.get("detail") if isinstance(reply, dict) else reply
    if isinstance(detail, list):
        return "\n".join(f"{'.'.join(str(p) for p in d.get('loc', []) if p != 'body')}: "
                         f"{d.get('msg')} ({d.get('type')})" for d in detail)
    return str(detail)


def admin(base_url: str, username: str, method: str, path: str, items: list[str]) -> int:
    password = os.environ.get("HOTLINE_PASSWORD") or _ask_password(username)
    try:
        values, files = fields_of(items)
        status, reply = call(base_url, None, "POST", "/auth/token",
                             {"username": username, "password": password}, form=True)
        if status != 200:
            print(f"hotline: {username} not signed in: {said(reply)}", file=sys.stderr)
            return 1
        status, reply = call(base_url, reply["access_token"], method, path, values, files)
    except (ApiCallError, OSError) as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 2
    if status >= 400:
        print(f"hotline: {status}: {said(reply)}", file=sys.stderr)
        return 1
    if reply is not None:
        print(json.dumps(reply, ensure_ascii=False, indent=2))
    return 0


def _ask_password(username: str) -> str:
    import getpass
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(f"{username}'s password: ")


def _multipart(values: dict[str, Any], files: dict[str, Path]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in values.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, path in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
