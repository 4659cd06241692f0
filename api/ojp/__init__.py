"""OJP 2.0 (CEN/TS 17118, VDV): the European interface for distributed journey planning.

``POST /ojp`` takes an ``OJP`` request document and answers one delivery per service request:
:mod:`api.ojp.envelope` reads the envelope and writes the response around each delivery; one
module per service builds its results (:mod:`api.ojp.location`, :mod:`api.ojp.trip`,
:mod:`api.ojp.stop_event`); :mod:`api.ojp.services` names which module answers which request.
"""
