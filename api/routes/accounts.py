"""Riders sign up from the web app (when the operator allows it); any key can ask whose
it is."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth import create_key
from api.deps import CallerDep, ServiceDep, SessionDep
from api.limits import client_key
from api.problems import Problem
from api.routes.quotes import PROBLEM
from api.schemas.accounts import Me, SignupRequest, SignupResponse
from api.store.models import ApiKey, Rider
from api.store.repository import writing

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/accounts", response_model=SignupResponse, status_code=201,
             summary="Sign up as a rider: a new rider and their key",
             responses={403: {"description": "sign-up is closed", **PROBLEM},
                        429: {"description": "too many sign-ups from this address",
                              **PROBLEM}})
def sign_up(body: SignupRequest, svc: ServiceDep, request: Request) -> SignupResponse:
    """The key is shown once; the web app keeps it in the browser. Closed (403) when the
    operator sets ``MOBILITY_OPEN_SIGNUP=false`` — dispatchers then create riders. At most
    10 sign-ups per client address and hour (``MOBILITY_RATE_SIGNUPS``; 429 with
    ``Retry-After``)."""
    if not svc.config.open_signup:
        raise Problem(403, "signup-closed", "Sign-up closed", "this service does not let "
                      "riders sign up themselves; ask the dispatcher for an account")
    # per client address and hour (a household or a library shares one address), counted
    # in the store: every API process shares the count
    request.app.state.limits.check(
        "signups", f"a:{client_key(request.client.host if request.client else '')}")
    with writing(svc.store) as repo:  # committed before the answer: the key works at once
        key = create_key(repo.s, "rider", label="web sign-up", rider_name=body.name,
                         rider_phone=body.phone)
        row = repo.s.get_one(ApiKey, key.split("_")[1])
        assert row.rider_id is not None
    return SignupResponse(key=key, rider_id=row.rider_id, role="rider")


@router.get("/me", response_model=Me, summary="Who this key belongs to")
def me(who: CallerDep, s: SessionDep) -> Me:
    rider = s.get(Rider, who.rider_id) if who.rider_id else None
    return Me(role=who.role, rider_id=who.rider_id, vehicle_id=who.vehicle_id,
              name=rider.name if rider else None)
