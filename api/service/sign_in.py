"""Sign-in codes: a rider signed in on one device asks for a short code and types it on
another device, which gets a new key of the same rider.

A code is :data:`LENGTH` characters of :data:`ALPHABET` (31 characters: no 0/O, 1/I/L,
which are read or typed for one another), about 40 bits, shown as two groups
(``K7QF-3MWD``) and read back whatever its case, dashes and spaces. It works once, for
:data:`TTL_S` seconds of the service's clock, and a rider holds one open code at a time (a
new code ends the one before). The store keeps only the SHA-256 of the normalised code: a
code never appears in the database or in a log. Guessing is what limits it, so the HTTP
layer counts attempts per client address (``MOBILITY_RATE_SIGNINS``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, select

from api.auth import create_key, new_id
from api.service.errors import InvalidRequestError, NotFoundError
from api.service.timing import Timing
from api.store import Store
from api.store.models import ANONYMOUS_RIDER, Rider, SignInCode

#: the characters of a code: digits and capital letters without 0, O, 1, I and L
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: characters of a code (31⁸ ≈ 2⁴⁰)
LENGTH = 8
#: how long a code works (seconds)
TTL_S = 600
#: what a code's reader may type between its characters
_SEPARATORS = frozenset("-– \u00a0")
#: the one answer to a code that signs nobody in (which of wrong, used or expired is not said)
REFUSAL = ("This code is not valid or has expired: ask for a new one on your other device")


@dataclass(frozen=True)
class NewCode:
    """A code as shown once to its rider."""

    code: str  #: grouped for reading: ``K7QF-3MWD``
    expires_at: dt.datetime


@dataclass(frozen=True)
class SignedIn:
    """A new key of the rider a code belonged to (its secret shown this once)."""

    key: str
    rider_id: str
    name: str | None


def normalise(text: str) -> str | None:
    """The code typed in ``text`` (any case, dashes and spaces, full-width characters), or
    ``None`` when it cannot be a code."""
    plain = "".join(c for c in unicodedata.normalize("NFKC", text) if c not in _SEPARATORS)
    plain = plain.upper()
    if len(plain) != LENGTH or any(c not in ALPHABET for c in plain):
        return None
    return plain


def grouped(code: str) -> str:
    """A normalised code in two groups of four, as shown."""
    return f"{code[:4]}-{code[4:]}"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def refused() -> InvalidRequestError:
    return InvalidRequestError(REFUSAL, field="code", code="sign-in-code-invalid",
                               title="Code not valid")


def make_code(store: Store, timing: Timing, rider_id: str) -> NewCode:
    """A new code for the rider; their open code, if any, stops working.

    Raises
    ------
    NotFoundError
        No such rider (forgotten meanwhile).
    """
    now = timing.now()
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    expires = now + dt.timedelta(seconds=TTL_S)
    with store.session() as s:
        # locked: two requests at once leave one open code, and forgetting the rider waits
        if rider_id == ANONYMOUS_RIDER or s.get(Rider, rider_id, with_for_update=True) is None:
            raise NotFoundError("no such rider (or it was forgotten)", field="riderId",
                                title="rider not found")
        s.execute(delete(SignInCode).where(SignInCode.rider_id == rider_id)
                  .execution_options(synchronize_session=False))
        s.add(SignInCode(id=new_id(), code_hash=code_hash(code), rider_id=rider_id,
                         created_at=now, expires_at=expires))
    return NewCode(grouped(code), expires)


def redeem(store: Store, timing: Timing, text: str) -> SignedIn:
    """Use a code: it is deleted and a new key of its rider is made, in one transaction.

    Raises
    ------
    InvalidRequestError
        The code is unknown, used, replaced or expired (one answer for all: :func:`refused`).
    """
    code = normalise(text)
    if code is None:
        raise refused()
    now = timing.now()
    with store.session() as s:
        rows = list(s.scalars(select(SignInCode).where(SignInCode.code_hash == code_hash(code),
                                                       SignInCode.expires_at > now)))
        if len(rows) != 1:  # none; or two riders' codes met (2⁻⁴⁰): neither signs in
            raise refused()
        row = rows[0]
        # the delete decides between two devices using one code at once: one of them wins
        gone = s.execute(delete(SignInCode).where(SignInCode.id == row.id)
                         .execution_options(synchronize_session=False))
        if getattr(gone, "rowcount", 0) != 1:
            raise refused()
        rider = s.get(Rider, row.rider_id)
        if rider is None:
            raise refused()
        key = create_key(s, "rider", label="signed in with a code", rider_id=rider.id)
        return SignedIn(key, rider.id, rider.name)

