"""Error bodies shaped like Google's, and the exception the handlers raise to send one.

Shapes follow the recorded exchanges in /work/shared/contracts/gsheets (404 NOT_FOUND,
400 INVALID_ARGUMENT with google.rpc.BadRequest details) and Google's documented
google.rpc.Status JSON for the rest (401, 403, 429, 5xx).
"""
from __future__ import annotations

STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED",
    500: "INTERNAL", 501: "NOT_IMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}
DEFAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
         "other valid authentication credential. See "
         "https://developers.google.com/identity/sign-in/web/devconsole-project.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    408: "Request timed out.",
    409: "The operation was aborted.",
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of "
         "service 'sheets.googleapis.com' for consumer 'project_number:{project}'.",
    500: "Internal error encountered.",
    501: "Operation is not implemented, or supported, or enabled.",
    503: "The service is currently unavailable.",
    504: "The service is currently unavailable.",
}
PROJECT_NUMBER = "123456789012"
SERVICE = "sheets.googleapis.com"
METHOD_PREFIX = "google.apps.sheets.v4.SpreadsheetsService."

# Google's front end answers some failures with an HTML page, not JSON (502, unknown URLs).
HTML_PAGES = {
    404: ("Error 404 (Not Found)!!1", "The requested URL <code>{path}</code> was not found on this server."),
    502: ("Error 502 (Server Error)!!1",
          "The server encountered a temporary error and could not complete your request.<p>Please try again "
          "in 30 seconds."),
}


class ApiError(Exception):
    """Raised inside a handler; the server turns it into `status` + `body` (dict -> JSON, str -> HTML)."""

    def __init__(self, status: int, body: dict | str, headers: dict | None = None):
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def status_body(code: int, message: str | None = None, details: list | None = None) -> dict:
    """{"error": {"code", "message", "status"[, "details"]}} as Google's APIs send it."""
    error = {"code": code, "message": message if message is not None else DEFAULT_MESSAGES.get(code, "Error"),
             "status": STATUS_NAMES.get(code, "UNKNOWN")}
    if details:
        error["details"] = details
    return {"error": error}


def error_info(reason: str, method: str | None = None, **metadata: str) -> dict:
    meta = {"service": SERVICE, **metadata}
    if method:
        meta["method"] = METHOD_PREFIX + method
    return {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com",
            "metadata": meta}


def bad_request(message: str) -> ApiError:
    """400 INVALID_ARGUMENT with a plain message (bad range, bad request inside a batchUpdate)."""
    return ApiError(400, status_body(400, message))


def bad_field(field: str, message: str) -> ApiError:
    """400 for a JSON payload the API cannot map onto its protobuf (as in WorksheetTest.test_add_validation)."""
    details = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}]}]
    return ApiError(400, status_body(400, message, details))


def unknown_field(name: str, where: str) -> ApiError:
    message = f"Invalid JSON payload received. Unknown name \"{name}\" at '{where}': Cannot find field."
    return bad_field(where, message)


def invalid_value(field: str, proto_type: str, value) -> ApiError:
    import json
    shown = json.dumps(value, ensure_ascii=False)
    return bad_field(field, f"Invalid value at '{field}' ({proto_type}), {shown}")


def not_found() -> ApiError:
    return ApiError(404, status_body(404))


def permission_denied() -> ApiError:
    return ApiError(403, status_body(403))


def unauthenticated(missing: bool, method: str) -> ApiError:
    if missing:
        message = ("Request is missing required authentication credential. Expected OAuth 2 access token, login "
                   "cookie or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")
        reason = "CREDENTIALS_MISSING"
    else:
        message, reason = DEFAULT_MESSAGES[401], "ACCESS_TOKEN_TYPE_UNSUPPORTED"
    return ApiError(401, status_body(401, message, [error_info(reason, method)]),
                    {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})


def scope_insufficient(method: str) -> ApiError:
    return ApiError(403, status_body(403, "Request had insufficient authentication scopes.",
                                     [error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", method)]))


def service_disabled(project: str = PROJECT_NUMBER) -> ApiError:
    url = f"https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project={project}"
    message = (f"Google Sheets API has not been used in project {project} before or it is disabled. Enable it "
               f"by visiting {url} then retry. If you enabled this API recently, wait a few minutes for the "
               "action to propagate to our systems and retry.")
    details = [
        error_info("SERVICE_DISABLED", None, consumer=f"projects/{project}", activationUrl=url,
                   serviceTitle="Google Sheets API", containerInfo=project),
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
        {"@type": "type.googleapis.com/google.rpc.Help",
         "links": [{"description": "Google developers console API activation", "url": url}]},
    ]
    return ApiError(403, status_body(403, message, details))


def html_page(code: int, path: str = "/") -> str:
    title, text = HTML_PAGES.get(code, HTML_PAGES[502])
    return ("<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
            f"  <title>{title}</title>\n  <p><b>{code}.</b> <ins>That’s an error.</ins>\n"
            f"  <p>{text.format(path=path)}  <ins>That’s all we know.</ins>\n")


def fault(code: int, kind: str, method: str) -> ApiError:
    """The body Google sends for an injected failure of status `code` on a request of `kind`."""
    if code in (502,):
        return ApiError(code, html_page(code))
    if code == 401:
        return unauthenticated(False, method)
    if code == 403:
        return permission_denied()
    if code == 429:
        write = kind not in ("metadata", "values_get", "batch_get", "drive_get")
        metric, limit = (("Write requests", "WriteRequestsPerMinutePerUser") if write
                         else ("Read requests", "ReadRequestsPerMinutePerUser"))
        message = (f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' of "
                   f"service 'sheets.googleapis.com' for consumer 'project_number:{PROJECT_NUMBER}'.")
        details = [
            error_info("RATE_LIMIT_EXCEEDED", None,
                       quota_metric="sheets.googleapis.com/" + metric.lower().replace(" ", "_"), quota_limit=limit,
                       quota_location="global", consumer=f"projects/{PROJECT_NUMBER}", quota_limit_value="60"),
            {"@type": "type.googleapis.com/google.rpc.Help",
             "links": [{"description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase"}]},
        ]
        return ApiError(429, status_body(429, message, details))
    return ApiError(code, status_body(code))
