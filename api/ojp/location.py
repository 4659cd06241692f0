"""OJPLocationInformationRequest: not answered yet."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree.ElementTree import Element

from api.ojp.context import OjpContext
from api.ojp.envelope import OjpProblemError


def answer(request: Element, ctx: OjpContext) -> Sequence[Element]:
    """The results of the delivery for ``request`` (the elements after ``CalcTime``)."""
    raise OjpProblemError("OJPGenericProblemType", "OJPGENERIC_REQUESTNOTSUPPORTED",
                     "OJPLocationInformationRequest is not answered yet")
