"""A local stand-in of the Google Sheets v4 API for tests; see tests/sheets_standin.py."""
from .connect import EndpointAdapter, gspread_client, route_session
from .control import SheetsStandin
from .keys import make_service_account_key, service_account_info
from .server import Request

__all__ = ["SheetsStandin", "Request", "make_service_account_key", "service_account_info", "EndpointAdapter",
           "route_session", "gspread_client"]
