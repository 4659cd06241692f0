"""Companies driving under contract and their vehicles: admins create companies; a
company's operators (and admins) enter its vehicles; dispatchers and admins see every
company, an operator its own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.auth import Principal
from api.deps import ServiceDep, require
from api.routes.quotes import PROBLEM
from api.schemas.common import LatLon
from api.schemas.operators import (
    CompanyList,
    CompanyRequest,
    CompanyResponse,
    FleetVehicle,
    FleetVehicleList,
    VehicleRequest,
)
from api.service import operators
from api.store.models import VehicleRow

router = APIRouter(prefix="/api/v1/companies", tags=["operators"])
OperatorsDep = Annotated[Principal, require("operator", "dispatcher", "admin")]
CompanyId = Annotated[str, Path(min_length=1, max_length=32)]


def company_out(c: operators.CompanyView) -> CompanyResponse:
    return CompanyResponse(id=c.id, name=c.name, active=c.active, created_at=c.created_at,
                           vehicles=c.vehicles)


def vehicle_out(v: VehicleRow) -> FleetVehicle:
    return FleetVehicle(id=v.id, area=v.area, seats=v.seats,
                        wheelchair_places=v.wheelchair_places,
                        depot=LatLon(lat=v.depot_lat, lon=v.depot_lon), label=v.label,
                        company_id=v.company_id, source=v.source,
                        uses_availability=v.uses_availability, active=v.active)


@router.post("", response_model=CompanyResponse, status_code=201, summary="Add a company",
             responses={409: {"description": "the id is taken (`/problems/company-exists`)",
                              **PROBLEM}})
def create_company(body: CompanyRequest, who: OperatorsDep, svc: ServiceDep
                   ) -> CompanyResponse:
    """A company driving under contract (admins only); make its operators' keys with
    ``mobility keys create --role operator --company ID``."""
    return company_out(operators.create_company(svc, who, body.name, body.id))


@router.get("", response_model=CompanyList, summary="Companies")
def list_companies(who: OperatorsDep, svc: ServiceDep) -> CompanyList:
    """Every company (dispatchers, admins), or the operator's own."""
    return CompanyList(companies=[company_out(c)
                                  for c in operators.list_companies(svc, who)])


@router.get("/{company_id}", response_model=CompanyResponse, summary="A company")
def get_company(company_id: CompanyId, who: OperatorsDep, svc: ServiceDep
                ) -> CompanyResponse:
    return company_out(operators.company(svc, who, company_id))


@router.get("/{company_id}/vehicles", response_model=FleetVehicleList,
            summary="A company's vehicles")
def company_vehicles(company_id: CompanyId, who: OperatorsDep, svc: ServiceDep
                     ) -> FleetVehicleList:
    return FleetVehicleList(vehicles=[vehicle_out(v) for v in
                                      operators.company_vehicles(svc, who, company_id)])


@router.post("/{company_id}/vehicles", response_model=FleetVehicle, status_code=201,
             summary="Add a vehicle to a company",
             responses={409: {"description": "the id is taken (`/problems/vehicle-exists`)",
                              **PROBLEM}})
def create_vehicle(company_id: CompanyId, body: VehicleRequest, who: OperatorsDep,
                   svc: ServiceDep) -> FleetVehicle:
    """A vehicle of the company (its operators and admins), planned only into the
    availability entered for it (``/api/v1/vehicles/{id}/availability``): none yet, so it
    takes no ride until some is entered."""
    return vehicle_out(operators.create_vehicle(svc, who, company_id, operators.VehicleInput(
        body.id, body.area, body.seats, body.wheelchair_places,
        (body.depot.lat, body.depot.lon), body.label)))
