"""Simulated operation over the real booking service: companies set up from a file, a
month of demand booked, driven and rated day by day (``mobility operate``)."""

from mobility.operate.companies import CompanySetup, apply_setup, read_setup
from mobility.operate.day import Behaviour, DayTally, operate_day
from mobility.operate.month import MonthResult, month_dates, operate_month

__all__ = ["Behaviour", "CompanySetup", "DayTally", "MonthResult", "apply_setup",
           "month_dates", "operate_day", "operate_month", "read_setup"]
