"""The reports' words in the reader's language, for the exports' headers and codes: read from the
pages' one dictionary (agent_api/web/i18n.js), whose report blocks are JSON between markers, so
a page and a file say a column alike."""
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

DICTIONARY = Path(__file__).resolve().parents[2] / "agent_api" / "web" / "i18n.js"
BLOCK = re.compile(r"/\* report-words \*/(.*?)/\* end report-words \*/", re.S)
Language = Literal["zh", "en"]


@lru_cache(maxsize=1)
def dictionary() -> dict[str, tuple[str, str]]:
    """key -> (Chinese, English), from every report block of the dictionary."""
    words: dict[str, tuple[str, str]] = {}
    for block in BLOCK.findall(DICTIONARY.read_text(encoding="utf-8")):
        words.update({key: (zh, en) for key, (zh, en) in json.loads(block).items()})
    return words


def word(key: str, lang: Language, otherwise: str | None = None) -> str:
    said = dictionary().get(key)
    if said is None:
        return key if otherwise is None else otherwise
    return said[0] if lang == "zh" else said[1]
