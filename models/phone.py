"""One form for a phone number, whichever way it came in (an agent's typing, a file, the
do-not-call list, a click to dial, a caller's number): ASCII digits, the national form for
mainland China. So a number is found, and kept off the do-not-call list, however it was written.

- Any Unicode decimal digit counts as its ASCII digit (Arabic-Indic ٣, fullwidth ３,
  mathematical 𝟑); "²" and "①" are not decimal digits and make the text no phone number.
- Spaces, dashes, dots and parentheses are dropped.
- +86 and 0086 are dropped: a mobile (13x to 19x, eleven digits) stays as it is, a fixed line
  gets its trunk 0 (+86 10 1234 5678 → 01012345678); a bare 86 before a mobile
  (8613800010001) is dropped too.
- Another country's + becomes its international prefix 00 (+44 20… → 004420…).
"""
import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MIN_DIGITS, MAX_DIGITS = 3, 20
_SEPARATORS = re.compile(r"[\s\-.()\u2010-\u2015\u2212\uff08\uff09\uff0d]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")  # 010 is Beijing's area code


def ascii_digits(text: str) -> str:
    """`text` with each Unicode decimal digit made its ASCII digit; everything else kept."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def phone_digits(text: str) -> str:
    """`text` in ASCII digits and without separators or a mainland country code: what a
    number, or the start of one, is compared by. Not checked: see national_phone."""
    plain = _SEPARATORS.sub("", ascii_digits(text))
    if plain.startswith("+86") or plain.startswith("0086"):
        rest = plain.removeprefix("+86").removeprefix("0086")
        mobile = re.match(r"1([3-9]|$)", rest)  # or the start of one, in a search
        return rest if mobile or not rest else "0" + rest.lstrip("0")
    if plain.startswith("86") and _MOBILE.fullmatch(plain[2:]):
        return plain[2:]
    if plain.startswith("+"):
        return "00" + plain[1:]
    return plain


def national_phone(text: str) -> str | None:
    """The number in its one form (ASCII digits, 3 to 20 of them), or None if `text` is not a
    phone number."""
    digits = phone_digits(text)
    return digits if re.fullmatch(f"[0-9]{{{MIN_DIGITS},{MAX_DIGITS}}}", digits) else None


def _checked(text: str) -> str:
    phone = national_phone(text)
    if phone is None:
        raise PydanticCustomError(
            "rule.not_a_phone", "'{value}' is not a phone number ({low} to {high} digits; "
            "spaces, dashes, parentheses and a leading + allowed)",
            {"value": text, "low": MIN_DIGITS, "high": MAX_DIGITS})
    return phone


# A request's phone field: stored and compared in the one form, else a 422 naming the field.
Phone = Annotated[str, AfterValidator(_checked)]
