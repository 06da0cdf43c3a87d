"""config.toml → a typed Config. Relative paths are resolved against the
config file's folder.  Every problem names the file, the key and the fix."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .contract import DASHBOARD, TABS

HERE = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    pass


@dataclass
class Config:
    source: Path
    backend: str = "xlsx"
    workbook_path: Path | None = None
    spreadsheet: str | None = None
    credentials: Path | None = None
    api_endpoint: str | None = None
    mail_backend: str = "outbox"
    outbox: Path | None = None
    mail_from: str = "Referral desk <rewards@example.com>"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str | None = None
    smtp_password_env: str | None = None
    ledger_path: Path | None = None
    tab_names: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    is_example: bool = False
    sync_minutes: int = 5
    digest_schedule: str = "daily"       # daily · weekly · off
    digest_time: str = "08:30"
    digest_weekday: str = "mon"
    digest_roles: list[str] = field(default_factory=list)
    statement_time: str = "08:00"

    @property
    def sheet_url(self) -> str | None:
        if self.backend != "gsheets" or not self.spreadsheet:
            return None
        if self.spreadsheet.startswith("http"):
            return self.spreadsheet
        return f"https://docs.google.com/spreadsheets/d/{self.spreadsheet}"


def default_path(cwd: Path | None = None) -> Path:
    """config.toml in the project (or current) folder if present, else the example."""
    for base in (cwd or Path.cwd(), HERE):
        if (base / "config.toml").exists():
            return base / "config.toml"
    return HERE / "config.example.toml"


KNOWN_KEYS = {
    "workbook": {"backend", "path", "spreadsheet", "credentials", "api_endpoint"},
    "mail": {"backend", "outbox", "from", "host", "port", "security", "username", "password_env", "password"},
    "ledger": {"path"},
    "worker": {"every_minutes"},
    "digest": {"schedule", "time", "weekday", "roles"},
    "statements": {"time"},
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KIND_WORDS = {str: 'text in quotes, e.g. "data/referrals.xlsx"', int: "a whole number, e.g. 587"}


def _get(table: dict, key: str, kind, where: str, default=None):
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(f"{where} {key} = {value!r}: expected {KIND_WORDS[kind]} — see config.example.toml")
    return value


def _names(value, where: str) -> list[str]:
    """A name or a list of names, as [tabs] and [aliases] take them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where} = {value!r}: expected a name in quotes or a list of names, "
                      f'e.g. ["客户推荐", "Referrals"]')


def load(path: Path | None = None) -> Config:
    path = Path(path) if path else default_path()
    if not path.exists():
        raise ConfigError(f"{path}: no such config file — copy config.example.toml to config.toml, "
                          f"or pass --config with an existing file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e}) — fix the line named, see config.example.toml")
    base = path.resolve().parent
    name = path.name
    cfg = Config(source=path.resolve(), is_example=path.name == "config.example.toml")

    def rel(p: str | None) -> Path | None:
        return None if p is None else (base / p).resolve() if not Path(p).is_absolute() else Path(p)

    known_sections = {"workbook", "mail", "ledger", "tabs", "aliases", "worker", "digest", "statements"}
    for section in data:
        if section not in known_sections:
            raise ConfigError(f"{name}: unknown section [{section}] — check the spelling; known sections: "
                              + ", ".join(sorted(known_sections)))
        for key in data[section] if section in KNOWN_KEYS else ():
            if key not in KNOWN_KEYS[section]:
                raise ConfigError(f"{name} [{section}]: unknown key {key!r} — check the spelling; known keys: "
                                  + ", ".join(sorted(KNOWN_KEYS[section] - {"password"})))
    wb = data.get("workbook", {})
    cfg.backend = _get(wb, "backend", str, f"{name} [workbook]", "xlsx")
    if cfg.backend not in ("xlsx", "gsheets"):
        raise ConfigError(f"{name} [workbook] backend: {cfg.backend!r} is not a backend — write \"xlsx\" or \"gsheets\"")
    cfg.workbook_path = rel(_get(wb, "path", str, f"{name} [workbook]", "data/referrals.xlsx"))
    cfg.spreadsheet = _get(wb, "spreadsheet", str, f"{name} [workbook]")
    cfg.credentials = rel(_get(wb, "credentials", str, f"{name} [workbook]"))
    cfg.api_endpoint = _get(wb, "api_endpoint", str, f"{name} [workbook]")
    if cfg.backend == "gsheets" and not cfg.spreadsheet:
        raise ConfigError(f"{name} [workbook]: backend is \"gsheets\" but spreadsheet is missing — "
                          f"set spreadsheet to the sheet's ID or URL")

    mail = data.get("mail", {})
    cfg.mail_backend = _get(mail, "backend", str, f"{name} [mail]", "outbox")
    if cfg.mail_backend not in ("outbox", "smtp"):
        raise ConfigError(f"{name} [mail] backend: {cfg.mail_backend!r} is not a mail backend — write \"outbox\" or \"smtp\"")
    cfg.outbox = rel(_get(mail, "outbox", str, f"{name} [mail]", "data/outbox"))
    cfg.mail_from = _get(mail, "from", str, f"{name} [mail]", cfg.mail_from)
    cfg.smtp_host = _get(mail, "host", str, f"{name} [mail]")
    cfg.smtp_port = _get(mail, "port", int, f"{name} [mail]", 587)
    cfg.smtp_security = _get(mail, "security", str, f"{name} [mail]", "starttls")
    if cfg.smtp_security not in ("starttls", "ssl", "none"):
        raise ConfigError(f"{name} [mail] security = {cfg.smtp_security!r} is not a connection security — "
                          f"write \"starttls\", \"ssl\" or \"none\"")
    cfg.smtp_username = _get(mail, "username", str, f"{name} [mail]")
    cfg.smtp_password_env = _get(mail, "password_env", str, f"{name} [mail]")
    if "password" in mail:
        raise ConfigError(f"{name} [mail]: a password is never kept in the config — put it in an environment "
                          f"variable and name that variable in password_env")

    led = data.get("ledger", {})
    cfg.ledger_path = rel(_get(led, "path", str, f"{name} [ledger]", "data/ledger.sqlite"))

    _schedule(cfg, data, name)

    for key, names in data.get("tabs", {}).items():
        if key not in TABS and key != DASHBOARD.key:
            raise ConfigError(f"{name} [tabs]: unknown tab {key!r} — use one of: {', '.join([*TABS, DASHBOARD.key])}")
        cfg.tab_names[key] = _names(names, f"{name} [tabs] {key}")
    for tab, fields in data.get("aliases", {}).items():
        if tab not in TABS or not isinstance(fields, dict):
            raise ConfigError(f"{name} [aliases.{tab}]: unknown tab {tab!r} — write [aliases.<tab>] with one of: "
                              f"{', '.join(TABS)}")
        known_fields = {f.key for f in TABS[tab].fields}
        for fkey, names in fields.items():
            if fkey not in known_fields:
                raise ConfigError(f"{name} [aliases.{tab}] {fkey}: unknown field — use one of: "
                                  f"{', '.join(sorted(known_fields))}")
            cfg.aliases.setdefault(tab, {})[fkey] = _names(names, f"{name} [aliases.{tab}] {fkey}")
    return cfg


def _clock(value: str, where: str) -> str:
    try:
        hh, mm = value.split(":")
        if 0 <= int(hh) < 24 and 0 <= int(mm) < 60 and len(mm) == 2:
            return f"{int(hh):02d}:{mm}"
    except ValueError:
        pass
    raise ConfigError(f"{where}: {value!r} is not a time of day — write it as \"HH:MM\", e.g. \"08:30\"")


def _schedule(cfg: Config, data: dict, name: str) -> None:
    """[worker], [digest] and [statements]: when `serve` does what."""
    worker = data.get("worker", {})
    cfg.sync_minutes = _get(worker, "every_minutes", int, f"{name} [worker]", 5)
    if not 1 <= cfg.sync_minutes <= 1440:
        raise ConfigError(f"{name} [worker] every_minutes = {cfg.sync_minutes}: write a number of minutes "
                          f"from 1 to 1440, e.g. 5")
    digest = data.get("digest", {})
    cfg.digest_schedule = _get(digest, "schedule", str, f"{name} [digest]", "daily")
    if cfg.digest_schedule not in ("daily", "weekly", "off"):
        raise ConfigError(f"{name} [digest] schedule = {cfg.digest_schedule!r}: write \"daily\", \"weekly\" or \"off\"")
    cfg.digest_time = _clock(_get(digest, "time", str, f"{name} [digest]", "08:30"), f"{name} [digest] time")
    cfg.digest_weekday = _get(digest, "weekday", str, f"{name} [digest]", "mon").lower()[:3]
    if cfg.digest_weekday not in WEEKDAYS:
        raise ConfigError(f"{name} [digest] weekday: write a day of the week in English, e.g. \"monday\"")
    roles = digest.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ConfigError(f"{name} [digest] roles: write a list of role names in quotes, e.g. [\"销售经理\", \"总经理\"]")
    cfg.digest_roles = roles
    statements = data.get("statements", {})
    cfg.statement_time = _clock(_get(statements, "time", str, f"{name} [statements]", "08:00"),
                                f"{name} [statements] time")
