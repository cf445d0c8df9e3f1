"""Format-valid but fake credentials for the demo's planted secrets.

They are generated from a fixed seed (so two demo runs plant the same values and the reports
compare) rather than copied from vendor docs: scanners rightly ignore documented example keys
such as AWS's ``...EXAMPLE`` pair, so a demo built on them would show nothing.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

_BASE32 = string.ascii_uppercase + "234567"
_B64 = string.ascii_letters + string.digits + "+/"
_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class FakeSecrets:
    aws_access_key_id: str
    aws_secret_access_key: str
    db_password: str
    openai_api_key: str


def generate(seed: str = "pulsecheck-demo") -> FakeSecrets:
    rng = random.Random(seed)

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    key_id = "AKIA" + pick(_BASE32, 16)
    while "EXAMPLE" in key_id:  # never look like the documented example key
        key_id = "AKIA" + pick(_BASE32, 16)
    return FakeSecrets(
        aws_access_key_id=key_id,
        aws_secret_access_key=pick(_B64, 40),
        db_password=pick(_ALNUM, 12) + "-" + pick(_ALNUM, 8),
        openai_api_key="sk-" + pick(_ALNUM, 20) + "T3BlbkFJ" + pick(_ALNUM, 20),
    )
