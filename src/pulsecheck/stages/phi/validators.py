"""Check digits and issuance rules that separate real identifiers from look-alike numbers.

Each validator takes the candidate with separators already removed and answers whether it
could be a real identifier of that kind; most random digit strings fail, which is what keeps
order numbers, SKUs and 9-digit counters quiet.
"""

from __future__ import annotations

import re

import phonenumbers

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
    "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27,
    "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24,
    "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29,
    "VG": 24, "XK": 20,
}
_MBI = re.compile(r"[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d"
                  r"[AC-HJKMNP-RT-Y]{2}\d{2}")
_DEA_FIRST = set("ABCDEFGHJKLMPRSTUX")
# SSNs the SSA or advertisers published; never a real person's.
_SSN_KNOWN_FAKE = {"078051120", "219099999", "123456789", "111111111", "333333333", "987654320",
                   "987654321", "987654322", "987654323", "987654324", "987654325", "987654326",
                   "987654327", "987654328", "987654329"}


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def ssn(digits: str) -> bool:
    """SSA issuance rules: area 001-899 except 666, group 01-99, serial 0001-9999."""
    if len(digits) != 9 or not digits.isdigit() or digits in _SSN_KNOWN_FAKE or len(set(digits)) == 1:
        return False
    area, group, serial = int(digits[:3]), digits[3:5], digits[5:]
    return 0 < area < 900 and area != 666 and group != "00" and serial != "0000"


def npi(digits: str) -> bool:
    """10 digits starting 1 or 2; Luhn over the ``80840`` card-issuer prefix + the NPI."""
    return len(digits) == 10 and digits.isdigit() and digits[0] in "12" and luhn("80840" + digits)


def dea(value: str) -> bool:
    """2 letters + 7 digits; (d1+d3+d5) + 2*(d2+d4+d6) ends in d7."""
    v = value.upper()
    if len(v) != 9 or v[0] not in _DEA_FIRST or not (v[1].isalpha() or v[1] == "9") or not v[2:].isdigit():
        return False
    d = [int(c) for c in v[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def mbi(value: str) -> bool:
    """Medicare Beneficiary Identifier: 11 characters in CMS's position rules (no S, L, O, I, B, Z)."""
    return bool(_MBI.fullmatch(value.upper().replace("-", "")))


def nhs(digits: str) -> bool:
    """UK NHS number: weights 10..2, check = 11 - sum % 11 (11 -> 0, 10 -> invalid)."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    check = 11 - sum(int(c) * w for c, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def ohip(digits: str) -> bool:
    """Ontario health card: 10 digits, Luhn."""
    return len(digits) == 10 and digits.isdigit() and digits[0] != "0" and luhn(digits) and len(set(digits)) > 1


def bc_phn(digits: str) -> bool:
    """British Columbia PHN: 10 digits starting 9, mod-11 check with weights 2,4,8,5,10,9,7,3."""
    if len(digits) != 10 or not digits.isdigit() or digits[0] != "9":
        return False
    total = sum((int(c) * w) % 11 for c, w in zip(digits[1:9], (2, 4, 8, 5, 10, 9, 7, 3), strict=True))
    return (11 - total % 11) % 11 == int(digits[9])


def ca_health_card(digits: str) -> bool:
    return ohip(digits) or bc_phn(digits)


def payment_card(digits: str) -> bool:
    """13-19 digits with a real issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners) and Luhn."""
    n = len(digits)
    if not 13 <= n <= 19 or not digits.isdigit():
        return False
    return _issuer_length(digits, n) and luhn(digits)


def _issuer_length(digits: str, n: int) -> bool:
    p2, p4 = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16
    if p2 in (34, 37):
        return n == 15
    if digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649:
        return n in (16, 19)
    if 3528 <= p4 <= 3589:
        return 16 <= n <= 19
    if 300 <= int(digits[:3]) <= 305 or p2 in (36, 38):
        return 14 <= n <= 19
    return False


def iban(value: str) -> bool:
    v = value.replace(" ", "").upper()
    if IBAN_LENGTHS.get(v[:2]) != len(v) or not v[2:4].isdigit():
        return False
    moved = v[4:] + v[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1
    except ValueError:
        return False


def nanp_phone(digits: str) -> bool:
    """US/Canada number: area and exchange start 2-9, area not N11/N9X reserved."""
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10:
        return False
    area, exch = digits[:3], digits[3:6]
    return area[0] in "23456789" and exch[0] in "23456789" and area[1:] != "11" and area[1] != "9" \
        and exch[1:] != "11" and len(set(digits)) > 2


def intl_phone(raw: str) -> bool:
    """A ``+``-prefixed number that is valid in its country's numbering plan (``phonenumbers``
    metadata: country code, length and leading digits), which version strings and ids are not."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(raw, None))
    except phonenumbers.NumberParseException:
        return False
