"""A real service-account key file (RSA private key in PEM) whose token_uri points at the stand-in."""
from __future__ import annotations

import json
import secrets
from functools import lru_cache
from pathlib import Path

DEFAULT_EMAIL = "worker@test-project.iam.gserviceaccount.com"


@lru_cache(maxsize=1)
def _private_key_pem() -> str:
    """One 2048-bit key per test process: generating it costs ~0.1 s."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def service_account_info(token_uri: str, email: str = DEFAULT_EMAIL) -> dict:
    project = email.split("@", 1)[1].split(".", 1)[0] if "@" in email else "test-project"
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": secrets.token_hex(20),
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": str(10 ** 20 + secrets.randbelow(9 * 10 ** 20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }


def make_service_account_key(path, token_uri: str, email: str = DEFAULT_EMAIL) -> Path:
    """Write a service-account JSON key to `path` (a file, or a folder to put `service-account.json` in)."""
    path = Path(path)
    if path.is_dir():
        path = path / "service-account.json"
    path.write_text(json.dumps(service_account_info(token_uri, email), indent=2), encoding="utf-8")
    return path
