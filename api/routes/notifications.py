"""Riders' notifications: their in-app messages, how they want to be told (e-mail,
language, channels), and for staff the outbox's delivery state. Messages are written to the
outbox by what they tell of and sent by the outbox's worker, never inside a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import Principal
from api.deps import BookerDep, ServiceDep, StaffDep, require
from api.problems import Problem
from api.schemas.notifications import (
    NotificationList,
    NotificationPreferences,
    NotificationPreferencesRequest,
    NotificationResponse,
    OutboxEntryResponse,
    OutboxResponse,
)
from api.service import inbox

router = APIRouter(prefix="/api/v1", tags=["notifications"])
RiderDep = Annotated[Principal, require("rider")]


def _message(m: inbox.Message) -> NotificationResponse:
    return NotificationResponse(id=m.id, kind=m.kind, subject=m.subject, text=m.text,
                                created_at=m.created_at, read_at=m.read_at,
                                booking_id=m.booking_id)


def _prefs(p: inbox.Preferences) -> NotificationPreferences:
    return NotificationPreferences(email=p.email, language=p.language,  # type: ignore[arg-type]
                                   channels=list(p.channels), has_phone=p.has_phone)  # type: ignore[arg-type]


@router.get("/notifications", response_model=NotificationList,
            summary="A rider's in-app messages")
def list_notifications(who: BookerDep, svc: ServiceDep, response: Response,
                       rider_id: Annotated[str | None, Query(
                           alias="riderId", max_length=32,
                           description="staff: whose messages (riders see their own)")] = None,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> NotificationList:
    """Newest first, each in the rider's language, with how many are unread. Riders read
    their own; staff name the rider (``riderId``)."""
    response.headers["Cache-Control"] = "no-store"
    if who.role == "rider":
        if rider_id is not None and rider_id != who.rider_id:
            raise Problem(404, "not-found", "rider not found", f"no rider with id "
                          f"{rider_id!r} (or it is not yours)", field="riderId")
        assert who.rider_id is not None
        rider_id = who.rider_id
    elif rider_id is None:
        raise Problem(422, "validation", "Invalid request", "riderId: staff name the rider "
                      "whose messages to list", field="riderId")
    found, unread = inbox.messages(svc.store, rider_id, limit)
    return NotificationList(notifications=[_message(m) for m in found], unread=unread)


@router.get("/notifications/outbox", response_model=OutboxResponse,
            summary="The outbox's delivery state (staff)")
def notification_outbox(_: StaffDep, svc: ServiceDep,
                        status: Annotated[str | None, Query(
                            max_length=10, description="pending, sending, sent, failed or "
                            "dropped")] = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> OutboxResponse:
    """Counts by status and the newest messages: ids, kinds, channels, statuses, attempts
    and times — never an address, a number or a text."""
    counts, rows = inbox.outbox(svc.store, status, limit)
    return OutboxResponse(counts=counts, notifications=[OutboxEntryResponse(
        id=e.id, rider_id=e.rider_id, booking_id=e.booking_id, kind=e.kind,
        channel=e.channel, status=e.status, attempts=e.attempts,  # type: ignore[arg-type]
        created_at=e.created_at, next_try_at=e.next_try_at, sent_at=e.sent_at,
        last_error=e.last_error) for e in rows])


@router.post("/notifications/{notification_id}/read", response_model=NotificationResponse,
             summary="Mark an in-app message read")
def read_notification(notification_id: str, who: RiderDep, svc: ServiceDep
                      ) -> NotificationResponse:
    """The rider's own messages only (another's: 404); reading again keeps the first
    time."""
    assert who.rider_id is not None
    return _message(inbox.mark_read(svc.store, svc.timing.now(), who.rider_id,
                                    notification_id))


@router.get("/accounts/me/notifications", response_model=NotificationPreferences,
            summary="How I am told of my rides")
def my_notification_settings(who: RiderDep, svc: ServiceDep, response: Response
                             ) -> NotificationPreferences:
    response.headers["Cache-Control"] = "no-store"
    assert who.rider_id is not None
    return _prefs(inbox.preferences(svc.store, who.rider_id))


@router.put("/accounts/me/notifications", response_model=NotificationPreferences,
            summary="Choose how I am told of my rides")
def set_my_notification_settings(body: NotificationPreferencesRequest, who: RiderDep,
                                 svc: ServiceDep) -> NotificationPreferences:
    """Every field at once: ``email`` (null or empty: none), ``language`` (``de``,
    ``en``; null: the region's) and ``channels`` from ``app`` (always), ``email`` (needs
    an address) and ``sms`` (needs a phone number on the account). Messages already queued
    go by the choice made when they are sent."""
    assert who.rider_id is not None
    return _prefs(inbox.set_preferences(svc.store, who.rider_id, body.email, body.language,
                                        body.channels))


@router.get("/riders/{rider_id}/notifications", response_model=NotificationPreferences,
            summary="How a rider is told of their rides (staff)")
def rider_notification_settings(rider_id: str, _: StaffDep, svc: ServiceDep
                                ) -> NotificationPreferences:
    return _prefs(inbox.preferences(svc.store, rider_id))


@router.put("/riders/{rider_id}/notifications", response_model=NotificationPreferences,
            summary="Choose how a rider is told (staff, e.g. for a caller)")
def set_rider_notification_settings(rider_id: str, body: NotificationPreferencesRequest,
                                    _: StaffDep, svc: ServiceDep
                                    ) -> NotificationPreferences:
    """As ``PUT /accounts/me/notifications``, for a rider who asks the dispatcher."""
    return _prefs(inbox.set_preferences(svc.store, rider_id, body.email, body.language,
                                        body.channels))
