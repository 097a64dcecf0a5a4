"""Phone numbers as patients type them ("06 12 34 56 78"), normalised to E.164 with phonenumbers."""

import re

import phonenumbers


def to_e164(raw: str, region: str = "FR") -> str | None:
    """The E.164 form of a valid number, or None; French numbers are assumed without a prefix."""
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """SMS only reaches mobiles; a landline given for SMS is refused at the form."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def display(e164: str) -> str:
    """National format for display ("06 12 34 56 78")."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")


def national(value) -> str:
    """What the admin shows for a stored number: "06 71 23 45 89", never "+33671234589".

    French numbers in the national format; foreign ones in the international format with spaces
    (a pharmacist must still see the country). Anything that is not an E.164 number (an e-mail
    address in a recipient column, an empty value) is returned unchanged.
    """
    text = "" if value is None else str(value)
    if not E164_RE.match(text):
        return text
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    if phonenumbers.region_code_for_number(number) == "FR":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
