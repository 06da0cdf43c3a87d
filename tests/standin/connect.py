"""Point gspread (requests + google-auth) at a Sheets endpoint other than https://sheets.googleapis.com.

gspread builds every URL from constants in `gspread.urls` that `gspread.http_client` copies at import
time, so patching `gspread.urls` does nothing. The clean hook is the requests Session gspread uses
(`client.http_client.session`, a google-auth AuthorizedSession): mount a transport adapter for the
Google prefixes that rewrites the scheme+host to the stand-in and sends the request on. Everything
else (auth header, 401 refresh, retries, timeouts) stays gspread's and google-auth's own. The token
endpoint needs nothing: google-auth posts to the key file's `token_uri`.
google-auth's IAM "allowedLocations" lookup is routed too (see route_session).
"""
from __future__ import annotations

from requests.adapters import HTTPAdapter

SHEETS = "https://sheets.googleapis.com"
DRIVE = "https://www.googleapis.com"
IAM = ("https://iamcredentials.googleapis.com", "https://iamcredentials.mtls.googleapis.com")


class EndpointAdapter(HTTPAdapter):
    """Sends requests for `prefix` to `base` instead (same path and query)."""
    __attrs__ = HTTPAdapter.__attrs__ + ["prefix", "base"]   # kept when google-auth copies the session

    def __init__(self, prefix: str, base: str):
        super().__init__()
        self.prefix, self.base = prefix.rstrip("/"), base.rstrip("/")

    def send(self, request, **kwargs):
        if request.url.startswith(self.prefix):
            request.url = self.base + request.url[len(self.prefix):]
        return super().send(request, **kwargs)


def route_session(session, base_url: str):
    """Make `session` send Sheets (and Drive) API calls to `base_url`; returns the session.

    google-auth >= 2.4x also looks up the service account's "regional access boundary" at
    iamcredentials.googleapis.com, in a background thread, on the AuthorizedSession's own auth session
    (`_auth_request_session`); that is routed to `base_url` as well so nothing leaves loopback."""
    session.mount(SHEETS + "/", EndpointAdapter(SHEETS, base_url))
    session.mount(DRIVE + "/drive/", EndpointAdapter(DRIVE, base_url))
    for target in (session, getattr(session, "_auth_request_session", None)):
        if target is not None:
            for iam in IAM:
                target.mount(iam + "/", EndpointAdapter(iam, base_url))
    return session


def gspread_client(key_path, base_url: str, http_client=None, scopes=None):
    """A gspread.Client from a service-account key, talking to `base_url`."""
    import gspread
    from gspread.http_client import HTTPClient

    kwargs = {"filename": str(key_path), "http_client": http_client or HTTPClient}
    if scopes is not None:
        kwargs["scopes"] = scopes
    client = gspread.service_account(**kwargs)
    route_session(client.http_client.session, base_url)
    return client
