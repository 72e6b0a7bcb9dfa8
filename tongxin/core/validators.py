"""Validators for the identifiers Chinese clerks type: credit codes, phone numbers, ID numbers.

Each raises django.core.exceptions.ValidationError with a message that names what is wrong
in the user's language, and returns the normalised value.
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

# Full-width letters, digits and the ideographic space as a Chinese input method types them, folded
# to ASCII. Nothing else is folded: '²' or '①' is no digit of an identifier, and is refused.
_WIDTH = {0x3000: " ", **{cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}}


def fold_width(value: str) -> str:
    """`value` with full-width ASCII forms (１２３ＡＢＣ, the ideographic space) as ASCII."""
    return value.translate(_WIDTH)


def normalize_credit_code(value: str) -> str:
    """A valid 18-character unified social credit code (GB 32100), upper-cased, or ValidationError."""
    try:
        return uscc.validate(fold_width(value).strip().upper())
    except InvalidLength:
        raise ValidationError(_("统一社会信用代码应为 18 位"), code="credit_code_length") from None
    except InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对"), code="credit_code_checksum") from None
    except (InvalidFormat, StdnumError, ValueError):
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（只能是数字和除 I、O、Z、S、V 外的大写字母）"),
            code="credit_code_format",
        ) from None


def validate_credit_code(value: str) -> None:
    normalize_credit_code(value)


def normalize_phone(value: str) -> str:
    """A valid mainland phone number (mobile or landline with area code), in national digits."""
    raw = value.strip()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("电话号码格式不正确"), code="phone_format") from None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("电话号码无效：手机请填 11 位号码，固定电话请带区号（如 0737-5221234）"), code="phone_invalid"
        )
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return national.replace(" ", "")


def validate_phone(value: str) -> None:
    normalize_phone(value)


def _id_check_digit(first17: str) -> str:
    """GB 11643's check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "0123456789X"[(12 - total % 11) % 11]


def normalize_id_number(value: str) -> str:
    """A valid 18-digit resident ID number (GB 11643), upper-cased; the message says what is wrong:
    its length, a character or a birth date that cannot be, or the check digit (the last one).

    The first six digits are the county where the number was issued *at the time*; codes change
    (南县 has been 432322 and 430921), so an unknown region is not refused — python-stdnum's list of
    codes does not know 430921, for one. The check digit is what proves the number was typed right."""
    number = fold_width(value).strip().upper().replace(" ", "")
    if len(number) != 18:
        raise ValidationError(_("身份证号码应为 18 位"), code="id_number_length")
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号码格式不正确：前 17 位应为数字"), code="id_number_format")
    try:
        ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError(_("身份证号码中的出生日期不存在，请核对"), code="id_number_component") from None
    if _id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位（最后一位）不正确，请核对"), code="id_number_checksum")
    return number


def mask_phone(value: str) -> str:
    """138****5678: the first three and last four of 11 or more characters (dashes and spaces
    dropped), with exactly four stars between; a shorter value shows only its last quarter."""
    digits = "".join(ch for ch in value if ch not in "- ")
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    tail = len(digits) // 4
    return "*" * (len(digits) - tail) + digits[len(digits) - tail:]


def mask_id_number(value: str) -> str:
    """4308**********1234: the first and last four of 18 or more characters; a shorter value (an
    old 15-digit number, a typing slip) shows at most a fifth of itself at each end."""
    keep = 4 if len(value) >= 18 else min(4, len(value) // 5)
    if keep == 0:
        return "*" * len(value)
    return f"{value[:keep]}{'*' * (len(value) - 2 * keep)}{value[-keep:]}"


def check_length(field: str, value: str, limit: int) -> None:
    """ValidationError({field: [...]}) when `value` is longer than `limit` characters: the one check
    behind a text's limit, so a web form and the API refuse the same comment with the same words."""
    if len(value) > limit:
        raise ValidationError({field: [_("不能超过 %(limit)s 字（现有 %(length)s 字）")
                                       % {"limit": limit, "length": len(value)}]}, code="too_long")


def parse_id(raw: object) -> int | None:
    """A database id typed into a URL or form: an int, or None for anything else (non-ASCII digits
    such as '²' included)."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None


def typed_code(raw: object, limit: int = 40) -> str:
    """A code a person typed or scanned (a post's check-in code, a certificate's verification code)
    as it is compared: upper case, without spaces, tabs or dashes, at most `limit` characters."""
    return "".join(ch for ch in str(raw or "").upper() if ch not in " -\t")[:limit]
