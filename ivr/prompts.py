"""The IVR prompt catalogue (Mandarin "zh", English "en"); how numbers, amounts, dates are said.

A prompt is a key naming one sound file per language (ivr/speech.py builds them). The say_*
functions are pure: they turn a value into the list of keys to play one after the other.
"""
import logging
from collections.abc import Container, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

log = logging.getLogger("hotline.ivr.prompts")

LANGUAGES = ("zh", "en")
MAX_NUMBER = 99_999_999  # Chinese needs 亿 above this; no amount or date the IVR says gets near it

_DIGITS = frozenset("0123456789")
_ZH_DIGITS = "零一二三四五六七八九"
_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
             "seventeen", "eighteen", "nineteen")
_EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy",
            80: "eighty", 90: "ninety"}
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")

PROMPTS: dict[str, dict[str, str]] = {
    "welcome": {"zh": "您好，欢迎致电烟草零售户服务热线。", "en": "Welcome to the retailer hotline."},
    "for-english": {"zh": "For English, press 9.", "en": "For English, press 9."},
    "press": {"zh": "请按", "en": "press"},
    "bt-order": {"zh": "订货", "en": "For orders,"},
    "bt-complaint": {"zh": "投诉或建议", "en": "For complaints or suggestions,"},
    "bt-consultation": {"zh": "业务咨询", "en": "For questions,"},
    "bt-logistics": {"zh": "物流配送", "en": "For deliveries,"},
    "bt-self_service": {"zh": "自助查询订单", "en": "To hear your recent orders,"},
    "bt-operator": {"zh": "人工服务", "en": "For an operator,"},
    "enter-card": {"zh": "请输入您的磁卡号，以井号键结束。",
                   "en": "Please enter your card number, then press hash."},
    "card-unknown": {"zh": "您输入的磁卡号不存在。", "en": "That card number was not found."},
    "invalid-key": {"zh": "输入有误。", "en": "Sorry, that is not a valid choice."},
    "no-input": {"zh": "我们没有收到您的输入。", "en": "We did not hear your choice."},
    "confirm-store-1": {"zh": "如果您是号码尾号为", "en": "If you are the store ending in"},
    "confirm-store-2": {"zh": "的零售户，请按1，否则请按2。", "en": ", press 1. Otherwise, press 2."},
    "transfer": {"zh": "正在为您转接，请稍候。", "en": "Connecting you, please hold."},
    "to-operator": {"zh": "正在为您转接人工服务。", "en": "Connecting you to an operator."},
    "enter-pin": {"zh": "请输入您的查询密码，以井号键结束。",
                  "en": "Please enter your PIN, then press hash."},
    "pin-wrong": {"zh": "密码错误。", "en": "That PIN is not correct."},
    "pin-locked": {"zh": "密码错误次数过多，正在为您转接人工服务。",
                   "en": "Too many wrong PINs. Connecting you to an agent."},
    "orders-none": {"zh": "您最近没有订单。", "en": "You have no recent orders."},
    "orders-intro": {"zh": "您最近的订单如下。", "en": "Here are your latest orders."},
    "order-date": {"zh": "订单日期", "en": "Order of"},
    "order-amount": {"zh": "金额", "en": "amount"},
    "order-status": {"zh": "状态", "en": "status"},
    "status-submitted": {"zh": "已提交", "en": "submitted"},
    "status-accepted": {"zh": "已受理", "en": "accepted"},
    "status-rejected": {"zh": "未通过审核", "en": "rejected"},
    "status-delivered": {"zh": "已送达", "en": "delivered"},
    "status-cancelled": {"zh": "已取消", "en": "cancelled"},
    "self-service-menu": {"zh": "重听请按1，转人工服务请按0，结束请挂机。",
                          "en": "To hear them again, press 1. For an agent, press 0. Or hang up."},
    # the ordering cycle, after the orders: "ordered 60 cartons, of those 40 more, until <date>"
    "cycle-ordered": {"zh": "本订货周期您已订购", "en": "In this ordering cycle you have ordered"},
    "cycle-nothing-ordered": {"zh": "本订货周期您还没有订货。",
                              "en": "You have not ordered in this ordering cycle yet."},
    "cartons": {"zh": "条", "en": "cartons"},
    "cycle-left": {"zh": "这些商品还可订购", "en": "Of those products you may still order"},
    "cycle-ends": {"zh": "本订货周期截止到", "en": "This ordering cycle runs until"},
    "closed": {"zh": "现在是非工作时间。", "en": "We are closed at the moment."},
    "leave-message": {"zh": "请在提示音后留言，按井号键结束。",
                      "en": "Please leave a message after the tone, then press hash."},
    "message-saved": {"zh": "您的留言已保存，我们会尽快回电。",
                      "en": "Your message has been saved. We will call you back."},
    "max-wait-offer": {"zh": "座席仍然繁忙。留言请按1，需要回电请按2，继续等待请不要挂机。",
                       "en": "All our agents are still busy. To leave a message, press 1. "
                             "To be called back, press 2. Or stay on the line."},
    "outbound-abandoned": {"zh": "您好，这里是烟草零售户服务热线。很抱歉，刚才没有工作人员接听。"
                                 "请您拨打",
                           "en": "Hello, this is the retailer hotline. Sorry, nobody was free to "
                                 "take this call. Please call us on"},
    "outbound-goodbye": {"zh": "。再见。", "en": ". Goodbye."},
    "max-wait-offer-message": {"zh": "座席仍然繁忙。留言请按1，继续等待请不要挂机。",
                               "en": "All our agents are still busy. To leave a message, "
                                     "press 1. Or stay on the line."},
    "max-wait-offer-callback": {"zh": "座席仍然繁忙。需要回电请按2，继续等待请不要挂机。",
                                "en": "All our agents are still busy. To be called back, "
                                      "press 2. Or stay on the line."},
    "survey-ask": {"zh": "请为刚才的服务评分：非常满意请按5，满意请按4，一般请按3，不满意请按2，"
                         "非常不满意请按1。",
                   "en": "Please rate our service: press 5 if you were very satisfied, down to 1 "
                         "if you were not satisfied at all."},
    "survey-thanks": {"zh": "感谢您的评价，再见。", "en": "Thank you for your rating. Goodbye."},
    "callback-booked": {"zh": "我们已记下您的回电请求，会尽快给您回电。再见。",
                        "en": "We will call you back as soon as we can. Goodbye."},
    "agent-number": {"zh": "请输入工号，以井号键结束。", "en": "Enter your agent number, then hash."},
    "agent-pin": {"zh": "请输入密码，以井号键结束。", "en": "Enter your PIN, then hash."},
    "agent-logged-in": {"zh": "登录成功。", "en": "You are logged in."},
    "agent-login-failed": {"zh": "工号或密码错误。", "en": "Wrong agent number or PIN."},
    "goodbye": {"zh": "感谢您的来电，再见。", "en": "Thank you for calling. Goodbye."},
    # the PBX's own queue announcements (English ones come with Asterisk)
    "queue-thereare": {"zh": "您前面还有"},
    "queue-callswaiting": {"zh": "位客户在等候，请您稍候。"},
    "queue-youarenext": {"zh": "您是下一位，请稍候。"},
    "queue-thankyou": {"zh": "感谢您的耐心等候。"},
    "beep": {"zh": "", "en": ""},
    # number words
    **{f"digit-{i}": {"zh": _ZH_DIGITS[i], "en": _EN_DIGITS[i]} for i in range(10)},
    "num-10": {"zh": "十", "en": "ten"},
    **{f"num-{10 + i}": {"en": word} for i, word in enumerate(_EN_TEENS) if i},
    **{f"num-{n}": {"zh": f"{_ZH_DIGITS[n // 10]}十", "en": word} for n, word in _EN_TENS.items()},
    "num-100": {"zh": "百", "en": "hundred"},
    "num-1000": {"zh": "千", "en": "thousand"},
    "num-10000": {"zh": "万"},
    "num-1000000": {"en": "million"},
    "point": {"zh": "点", "en": "point"},
    "yuan": {"zh": "元", "en": "yuan"},
    "year": {"zh": "年"},
    "month": {"zh": "月"},
    "day": {"zh": "日"},
    **{f"month-{i + 1}": {"en": name} for i, name in enumerate(_EN_MONTHS)},
}

# Sounds the PBX itself plays by name in the caller's language (app_queue's position
# announcements, and the numbers in them as Asterisk's say.c asks for Chinese), which Asterisk
# does not ship in Mandarin: Asterisk's name -> our prompt key.
PBX_SOUNDS: dict[str, dict[str, str]] = {"zh": {
    **{f"digits/{i}": f"digit-{i}" for i in range(10)},
    **{f"digits/{n}": f"num-{n}" for n in range(10, 100, 10)},
    "digits/hundred": "num-100", "digits/thousand": "num-1000",
    **{name: name for name in ("queue-thereare", "queue-callswaiting", "queue-youarenext",
                               "queue-thankyou")},
}}

# Not speech: key -> (frequency Hz, seconds), made by sox.
TONES: dict[str, tuple[int, float]] = {"beep": (1000, 0.3)}

# Spoken in this language in every catalogue (the Mandarin menu offers English in English).
SPOKEN_IN: dict[str, str] = {"for-english": "en"}


def say_digits(digits: str, lang: str) -> list[str]:
    """Digit by digit, as for a card number."""
    _check_lang(lang)
    if not set(digits) <= _DIGITS:
        raise ValueError(f"not a string of digits: {digits!r}")
    return [f"digit-{d}" for d in digits]


def say_number(n: int, lang: str) -> list[str]:
    """A cardinal number from 0 to MAX_NUMBER. Chinese uses 二 throughout, never 两."""
    _check_lang(lang)
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"cannot say {n}: outside 0..{MAX_NUMBER}")
    if n == 0:
        return ["digit-0"]
    return _zh_number(n) if lang == "zh" else _en_number(n)


def say_amount(amount: Decimal, lang: str) -> list[str]:
    """Yuan to the fen: "<integer> point <two digits> yuan", without "point" for whole yuan."""
    cents = int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    if cents < 0:
        raise ValueError(f"cannot say a negative amount: {amount}")
    yuan, fen = divmod(cents, 100)
    keys = say_number(yuan, lang)
    if fen:
        keys += ["point", *say_digits(f"{fen:02d}", lang)]
    return keys + ["yuan"]


def say_date(d: date, lang: str) -> list[str]:
    """zh: 二零二六 年 十一 月 二十一 日; en: November, twenty one, two thousand twenty six."""
    if lang == "zh":
        return [*say_digits(f"{d.year:04d}", lang), "year", *say_number(d.month, lang), "month",
                *say_number(d.day, lang), "day"]
    _check_lang(lang)
    return [f"month-{d.month}", *say_number(d.day, lang), *say_number(d.year, lang)]


def menu_keys(items: Sequence[tuple[str, str]], lang: str,
              own_prompts: Container[str] = ()) -> list[str]:
    """The menu read out: for each (business type code, key) "<business type> press <key>".

    The menu comes from the database: a business type is said by its prompt of the catalogue
    (bt-<code>) or, for one an administrator added, by its own (`own_prompts`: the codes that
    have one in this language). An item that cannot be said (no prompt, a key that is not a
    digit) is left out and logged rather than failing the call.
    """
    _check_lang(lang)
    keys: list[str] = []
    for code, key in items:
        said = f"bt-{code}" in PROMPTS or code in own_prompts
        if not said or len(key) != 1 or key not in _DIGITS:
            log.warning("menu item %r (key %r) has no prompt; not announced", code, key)
            continue
        keys += [f"bt-{code}", "press", f"digit-{key}"]
    return keys


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")


def _zh_number(n: int) -> list[str]:
    high, low = divmod(n, 10_000)
    if not high:
        return _zh_below_10000(n, leading=True)
    keys = [*_zh_below_10000(high, leading=True), "num-10000"]
    if low:
        # a gap in the places is said once as 零: 一万零一十 (10,010), 一万零五 (10,005)
        keys += (["digit-0"] if low < 1000 else []) + _zh_below_10000(low, leading=False)
    return keys


def _zh_below_10000(n: int, leading: bool) -> list[str]:
    keys: list[str] = []
    gap = False
    for place, unit in ((1000, "num-1000"), (100, "num-100"), (10, "num-10"), (1, None)):
        d = n // place % 10
        if not d:
            gap = bool(keys)  # zeros before the first digit say nothing
            continue
        if gap:
            keys.append("digit-0")
            gap = False
        if not (d == 1 and unit == "num-10" and leading and not keys):  # 十二, not 一十二
            keys.append(f"digit-{d}")
        if unit:
            keys.append(unit)
    return keys


def _en_number(n: int) -> list[str]:
    keys: list[str] = []
    for scale, word in ((1_000_000, "num-1000000"), (1000, "num-1000")):
        if n >= scale:
            keys += [*_en_below_1000(n // scale), word]
            n %= scale
    return keys + _en_below_1000(n)


def _en_below_1000(n: int) -> list[str]:
    keys: list[str] = []
    if n >= 100:
        keys += [f"digit-{n // 100}", "num-100"]
        n %= 100
    if n >= 20:
        keys.append(f"num-{n // 10 * 10}")
        n %= 10
    if n >= 10:
        keys.append(f"num-{n}")
    elif n:
        keys.append(f"digit-{n}")
    return keys
