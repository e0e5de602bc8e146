"""One form for a phone number however it was written: ASCII digits, the national form for
mainland numbers; what is not a phone number is None (and a 422 naming the field in a request)."""
import pytest
from pydantic import BaseModel, ValidationError

from models.phone import Phone, national_phone, phone_digits


@pytest.mark.parametrize(("written", "national"), [
    ("13800010001", "13800010001"),
    ("+8613800010001", "13800010001"),
    ("0086 138 0001 0001", "13800010001"),
    ("8613800010001", "13800010001"),  # a bare 86 before a mobile
    ("+86 (10) 6512-3456", "01065123456"),  # a fixed line gets its trunk 0
    ("0086 010 6512 3456", "01065123456"),
    ("(010) 6512.3456", "01065123456"),
    ("١٣٨٠٠٠١٠٠٠١", "13800010001"),  # Arabic-Indic
    ("۱۳۸۰۰۰۱۰۰۰۱", "13800010001"),  # Persian
    ("𝟏𝟑𝟖𝟎𝟎𝟎𝟏𝟎𝟎𝟎𝟏", "13800010001"),  # mathematical bold
    ("１３８０００１０００１", "13800010001"),  # fullwidth
    ("+44 20 7946 0000", "00442079460000"),  # another country: its 00 prefix
    ("8001", "8001"),
    ("862", "862"),  # too short to be 86 and a mobile
])
def test_a_number_has_one_form(written, national):
    assert national_phone(written) == national


@pytest.mark.parametrize("written", ["12²", "①②③", "call me", "+", "12", "1" * 21, "138\x00"])
def test_what_is_not_a_phone_number(written):
    assert national_phone(written) is None


def test_a_prefix_is_compared_in_the_same_digits():
    assert phone_digits("+86138") == "138"
    assert phone_digits("١٣٨") == "138"


def test_a_request_field_holds_the_one_form_or_names_itself():
    class Body(BaseModel):
        phone: Phone

    assert Body(phone="+86 138-0001-0001").phone == "13800010001"
    with pytest.raises(ValidationError) as refused:
        Body(phone="١٢²")
    [error] = refused.value.errors()
    assert (error["loc"], error["type"]) == (("phone",), "rule.not_a_phone")
