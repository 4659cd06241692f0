"""Finding a caller again: a dispatcher types part of a name or of a phone number and gets
the riders it fits, so that a second call books for the same rider instead of a new one.
Names match without regard to case or accents ("muller" finds "Müller", "JURGEN" finds
"Jürgen"), every word somewhere in the name; phone numbers by their digits ("555 0177",
"5550177" and "+1 (802) 555-0177" find the same number)."""

from __future__ import annotations

import re

from api.auth import Principal
from api.service.context import Context
from api.service.errors import ForbiddenError, InvalidRequestError
from api.store.models import Rider
from api.store.repository import reading
from api.store.search import digits, fold

#: a word of a phone number as people type it
PHONE_WORD = re.compile(r"[0-9+()./-]*[0-9][0-9+()./-]*")
#: the least a search names: letters of a name, or digits of a phone number
MIN_LETTERS, MIN_DIGITS = 2, 3


def find(svc: Context, who: Principal, query: str, limit: int) -> list[Rider]:
    """The riders ``query`` fits (by name), at most ``limit``: its words of letters must
    all be in the name, its words of digits (a phone number, in parts or whole) in the
    phone number.

    Raises
    ------
    ForbiddenError
        Not staff: riders' names and numbers are for the dispatch desk only.
    InvalidRequestError
        A query naming too little to search by.
    """
    if not who.staff:
        raise ForbiddenError(f"only dispatchers search riders (yours is a {who.role} key)",
                             field="q")
    words = query.split()
    phone = digits("".join(w for w in words if PHONE_WORD.fullmatch(w)))
    names = (fold(" ".join(w for w in words if not PHONE_WORD.fullmatch(w))) or "").split()
    if len(phone or "") < MIN_DIGITS and sum(len(w) for w in names) < MIN_LETTERS:
        raise InvalidRequestError(
            f"type at least {MIN_LETTERS} letters of the name or {MIN_DIGITS} digits of the "
            "phone number", field="q", code="query-too-short", title="Search too short")
    if phone is not None and len(phone) < MIN_DIGITS:
        names.append(phone)  # "2nd" is no phone number: a word of the name
        phone = None
    with reading(svc.store) as repo:
        found = repo.find_riders(names, phone, limit)
        for r in found:
            repo.s.expunge(r)
        return found
