"""Riders sign up from the web app (when the operator allows it) and sign in on another
device with a short code; any key can ask whose it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from api.auth import Principal, create_key
from api.deps import CallerDep, ServiceDep, SessionDep, require
from api.limits import client_key
from api.problems import Problem
from api.routes.quotes import PROBLEM
from api.schemas.accounts import (
    Me,
    SignInCodeResponse,
    SignInRequest,
    SignInResponse,
    SignupRequest,
    SignupResponse,
)
from api.service import sign_in
from api.store.models import ApiKey, Rider
from api.store.repository import writing

router = APIRouter(prefix="/api/v1", tags=["accounts"])
RiderDep = Annotated[Principal, require("rider")]


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


@router.post("/accounts/sign-in-codes", response_model=SignInCodeResponse, status_code=201,
             summary="A code to sign in on another device")
def make_sign_in_code(who: RiderDep, svc: ServiceDep, response: Response
                      ) -> SignInCodeResponse:
    """A short code (8 characters, e.g. ``K7QF-3MWD``) the rider types on another device
    (``POST /accounts/sign-in``), which then gets a key of its own. Works once, for 10
    minutes; a new code ends the one before. Only rider keys make codes (403 for staff
    and drivers); the store keeps only the code's hash."""
    assert who.rider_id is not None  # a rider key belongs to a rider
    response.headers["Cache-Control"] = "no-store"
    made = sign_in.make_code(svc.store, svc.timing, who.rider_id)
    return SignInCodeResponse(code=made.code, expires_at=made.expires_at)


@router.post("/accounts/sign-in", response_model=SignInResponse, status_code=201,
             summary="Sign in on another device with a code: a new rider key")
def sign_in_with_code(body: SignInRequest, svc: ServiceDep, request: Request,
                      response: Response) -> SignInResponse:
    """Needs no key: the code is the credential. Answers a new key of the code's rider
    (shown once) with their id and name; the code is then used up. Case, dashes and spaces
    do not matter. Every attempt counts: at most 20 per client address and hour
    (``MOBILITY_RATE_SIGNINS``; 429 with ``Retry-After``)."""
    request.app.state.limits.check(
        "signins", f"a:{client_key(request.client.host if request.client else '')}")
    response.headers["Cache-Control"] = "no-store"
    done = sign_in.redeem(svc.store, svc.timing, body.code)
    return SignInResponse(key=done.key, rider_id=done.rider_id, role="rider", name=done.name)


@router.get("/me", response_model=Me, summary="Who this key belongs to")
def me(who: CallerDep, s: SessionDep) -> Me:
    rider = s.get(Rider, who.rider_id) if who.rider_id else None
    return Me(role=who.role, rider_id=who.rider_id, vehicle_id=who.vehicle_id,
              name=rider.name if rider else None, company_id=who.company_id)
