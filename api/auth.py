"""API keys with roles. A key is ``mob_<id>_<secret>``; the store keeps only its SHA-256
(the secret is 256 random bits, so a fast hash suffices)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.models import ANONYMOUS_RIDER, ApiKey, Company, Rider

ROLES = ("rider", "driver", "dispatcher", "admin", "operator")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, its role, and the rider, vehicle or company (an
    operator's: it manages that company's vehicles only; an operator is not staff) it
    belongs to."""

    key_id: str
    role: str
    rider_id: str | None = None
    vehicle_id: str | None = None
    company_id: str | None = None

    @property
    def staff(self) -> bool:
        return self.role in ("dispatcher", "admin")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_id(prefix: str = "") -> str:
    return prefix + secrets.token_hex(8)


def create_key(s: Session, role: str, *, label: str | None = None,
               rider_id: str | None = None, rider_name: str | None = None,
               rider_phone: str | None = None, vehicle_id: str | None = None,
               company_id: str | None = None) -> str:
    """Store a new key and return it (the only time the secret is shown). A rider key
    belongs to a rider (an existing one, or a new one with the given name and phone), a
    driver key to a vehicle, an operator key to an existing company."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if rider_id == ANONYMOUS_RIDER:
        raise ValueError("anonymised rides belong to no one: no key for them")
    if role == "rider" and rider_id is None:
        rider = Rider(id=new_id("r_"), name=rider_name, phone=rider_phone)
        s.add(rider)
        s.flush()
        rider_id = rider.id
    if role == "driver" and not vehicle_id:
        raise ValueError("a driver key needs the vehicle it drives")
    if role == "operator":
        if not company_id:
            raise ValueError("an operator key needs its company (--company)")
        if s.get(Company, company_id) is None:
            raise ValueError(f"no company {company_id!r} (create it first)")
    elif company_id is not None:
        raise ValueError("only operator keys belong to a company")
    kid = secrets.token_hex(6)
    key = f"mob_{kid}_{secrets.token_urlsafe(32)}"
    s.add(ApiKey(id=kid, key_hash=hash_key(key), role=role, rider_id=rider_id,
                 vehicle_id=vehicle_id, company_id=company_id, label=label))
    return key


def lookup(s: Session, key: str) -> Principal | None:
    row = s.execute(select(ApiKey).where(ApiKey.key_hash == hash_key(key),
                                         ApiKey.revoked_at.is_(None))).scalar_one_or_none()
    if row is None:
        return None
    return Principal(row.id, row.role, row.rider_id, row.vehicle_id, row.company_id)


def first_staff_key(s: Session) -> str | None:
    """A dispatcher key when the store has no staff key yet (a new installation: someone
    must be able to open the dispatcher view); ``None`` otherwise."""
    staff = s.execute(select(ApiKey.id).where(ApiKey.role.in_(("dispatcher", "admin")),
                                              ApiKey.revoked_at.is_(None)).limit(1)).first()
    if staff is not None:
        return None
    return create_key(s, "dispatcher", label="first dispatcher key (printed by serve)")
