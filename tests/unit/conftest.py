import io
import json
import logging

import pytest

from runtime.logs import JsonFormatter


@pytest.fixture
def json_lines():
    """The JSON lines logged (INFO and up) from here on, parsed, as `hotline serve` writes
    them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)
