"""The .qwc file: the small XML document a user adds to the Web Connector to link an application.

A `QwcFile` is validated when it is built, so an invalid one cannot be rendered: the Web
Connector's own refusals (QBWC1051 for a plain-http AppURL, a support URL on another domain,
malformed GUIDs) would otherwise reach the SMB user as cryptic errors after download.

Element order in `render_qwc`: the required elements in the order Intuit's documentation lists
them (AppName … Scheduler, IsReadOnly), then the optional preferences, then the optional display
and certificate elements. The Web Connector reads elements by name, but a familiar order keeps the
files easy to compare with the examples users find online.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from qbdsync.errors import ConfigurationError, InvalidXML
from qbdsync.qbwc.soap import escape_text

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
_HEX = "[0-9A-Fa-f]"
_GUID = re.compile(rf"\{{{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\}}")
_AUTH_FLAGS = re.compile(r"0x[0-9A-Fa-f]+")
_QB_TYPES = frozenset({"QBFS", "QBPOS"})
_STYLES = frozenset({"Document", "DocWrapped", "RPC"})
_PERSONAL_DATA = frozenset({"pdpNotNeeded", "pdpOptional", "pdpRequired"})
_UNATTENDED = frozenset({"umpRequired", "umpOptional"})


@dataclass(frozen=True, slots=True)
class QwcFile:
    """Every element of a .qwc file (reference/qbwc.md). None means "leave the element out"."""

    app_name: str
    app_url: str
    app_description: str
    app_support: str
    user_name: str
    owner_id: str
    file_id: str
    app_id: str = ""
    qb_type: str = "QBFS"
    run_every_n_minutes: int | None = None
    run_every_n_seconds: int | None = None
    is_read_only: bool = False
    personal_data_pref: str | None = None
    unattended_mode_pref: str | None = None
    auth_flags: str | None = None
    notify: bool | None = None
    app_display_name: str | None = None
    app_unique_name: str | None = None
    cert_url: str | None = None
    style: str | None = "Document"

    def __post_init__(self) -> None:
        for name in _REQUIRED[:5]:
            if not getattr(self, name).strip():
                raise ConfigurationError(f".qwc: {_ELEMENT[name]} must not be empty")
        for name in ("owner_id", "file_id"):
            if not _GUID.fullmatch(getattr(self, name)):
                raise ConfigurationError(
                    f".qwc: {_ELEMENT[name]} must be a GUID in braces, "
                    f"like {{6B29FC40-CA47-1067-B31D-00DD010662DA}}; got {getattr(self, name)!r}"
                )
        app_host = _check_app_url(self.app_url)
        support = urlsplit(self.app_support)
        support_host = (support.hostname or "").lower()
        if support.scheme not in ("http", "https") or not _same_domain(support_host, app_host):
            raise ConfigurationError(
                f".qwc: AppSupport {self.app_support!r} must be a web address on the AppURL's "
                f"domain ({app_host}); the Web Connector refuses other domains"
            )
        _check_choice("QBType", self.qb_type, _QB_TYPES)
        _check_choice("Style", self.style, _STYLES)
        _check_choice("PersonalDataPref", self.personal_data_pref, _PERSONAL_DATA)
        _check_choice("UnattendedModePref", self.unattended_mode_pref, _UNATTENDED)
        if self.auth_flags is not None and not _AUTH_FLAGS.fullmatch(self.auth_flags):
            raise ConfigurationError(
                f".qwc: AuthFlags must be hex like 0xF; got {self.auth_flags!r}"
            )
        if self.run_every_n_minutes is not None and self.run_every_n_seconds is not None:
            raise ConfigurationError(".qwc: give RunEveryNMinutes or RunEveryNSeconds, not both")
        for value in (self.run_every_n_minutes, self.run_every_n_seconds):
            if value is not None and value < 1:
                raise ConfigurationError(".qwc: the scheduler interval must be at least 1")


_ELEMENT = {
    "app_name": "AppName",
    "app_id": "AppID",
    "app_url": "AppURL",
    "app_description": "AppDescription",
    "app_support": "AppSupport",
    "user_name": "UserName",
    "owner_id": "OwnerID",
    "file_id": "FileID",
    "qb_type": "QBType",
    "is_read_only": "IsReadOnly",
    "personal_data_pref": "PersonalDataPref",
    "unattended_mode_pref": "UnattendedModePref",
    "auth_flags": "AuthFlags",
    "notify": "Notify",
    "app_display_name": "AppDisplayName",
    "app_unique_name": "AppUniqueName",
    "cert_url": "CertURL",
    "style": "Style",
}
_BEFORE_SCHEDULER: tuple[str, ...] = (
    *("app_name", "app_id", "app_url", "app_description", "app_support"),
    *("user_name", "owner_id", "file_id", "qb_type"),
)
_AFTER_SCHEDULER: tuple[str, ...] = (
    *("is_read_only", "personal_data_pref", "unattended_mode_pref", "auth_flags", "notify"),
    *("app_display_name", "app_unique_name", "cert_url", "style"),
)
_BOOLS = frozenset({"is_read_only", "notify"})
_REQUIRED: tuple[str, ...] = (
    *("app_name", "app_url", "app_description", "app_support", "user_name"),
    *("owner_id", "file_id"),
)


def _check_app_url(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise ConfigurationError(f".qwc: AppURL {url!r} is not a web address")
    if parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS):
        return host
    raise ConfigurationError(
        f".qwc: AppURL {url!r} must use https (plain http works only for localhost or "
        f"127.0.0.1); the Web Connector would refuse the file with QBWC1051"
    )


def _same_domain(host: str, app_host: str) -> bool:
    return bool(host) and (
        host == app_host or host.endswith("." + app_host) or app_host.endswith("." + host)
    )


def _check_choice(element: str, value: str | None, allowed: frozenset[str]) -> None:
    if value is not None and value not in allowed:
        raise ConfigurationError(
            f".qwc: {element} must be one of {', '.join(sorted(allowed))}; got {value!r}"
        )


def _text(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape_text(value)


def render_qwc(q: QwcFile) -> str:
    """The .qwc document for `q` (validated when `q` was built)."""
    lines = ['<?xml version="1.0"?>', "<QBWCXML>"]

    def add(name: str) -> None:
        value = getattr(q, name)
        if value is not None:
            tag = _ELEMENT[name]
            lines.append(f"  <{tag}>{_text(value)}</{tag}>")

    for name in _BEFORE_SCHEDULER:
        add(name)
    if q.run_every_n_minutes is not None:
        lines.append(
            f"  <Scheduler><RunEveryNMinutes>{q.run_every_n_minutes}</RunEveryNMinutes></Scheduler>"
        )
    elif q.run_every_n_seconds is not None:
        lines.append(
            f"  <Scheduler><RunEveryNSeconds>{q.run_every_n_seconds}</RunEveryNSeconds></Scheduler>"
        )
    for name in _AFTER_SCHEDULER:
        add(name)
    lines.append("</QBWCXML>")
    return "\n".join(lines) + "\n"


def _parse_bool(element: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ConfigurationError(f".qwc: {element} must be true or false; got {text!r}")
    return lowered == "true"


def _parse_int(element: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ConfigurationError(f".qwc: {element} must be a whole number; got {text!r}") from None


def parse_qwc(text: str) -> QwcFile:
    """Read a .qwc document. Raises InvalidXML (not XML, hostile) or ConfigurationError."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    if "<!DOCTYPE" in text:  # refused before parsing: libxml2 would open a SYSTEM DTD file
        raise InvalidXML(".qwc: a DOCTYPE is not allowed")
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidXML(f".qwc: not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise InvalidXML(".qwc: a DOCTYPE is not allowed")
    if root.tag != "QBWCXML":
        raise InvalidXML(f".qwc: the root element must be QBWCXML, not {root.tag!r}")
    by_element = {tag: name for name, tag in _ELEMENT.items()}
    values: dict[str, Any] = {}
    for child in root:
        tag = child.tag
        if tag == "Scheduler":
            for item in child:
                if item.tag == "RunEveryNMinutes":
                    values["run_every_n_minutes"] = _parse_int(item.tag, item.text or "")
                elif item.tag == "RunEveryNSeconds":
                    values["run_every_n_seconds"] = _parse_int(item.tag, item.text or "")
            continue
        name = by_element.get(str(tag))
        if name is None:
            continue  # unknown elements from newer Web Connector versions are ignored
        raw = (child.text or "").strip()  # pretty-printed files pad values with whitespace
        values[name] = _parse_bool(str(tag), raw) if name in _BOOLS else raw
    # "If both, the first wins" (QBWC); keep only the one given first.
    if "run_every_n_minutes" in values and "run_every_n_seconds" in values:
        sched = root.find("Scheduler")
        first = sched[0].tag if sched is not None and len(sched) else "RunEveryNMinutes"
        values.pop("run_every_n_seconds" if first == "RunEveryNMinutes" else "run_every_n_minutes")
    # A .qwc without a Style element means Document, the Web Connector's default.
    values.setdefault("style", None)
    absent = [name for name in _REQUIRED if name not in values]
    if absent:
        missing = ", ".join(_ELEMENT[name] for name in absent)
        raise ConfigurationError(f".qwc: missing required element(s): {missing}")
    return QwcFile(**values)
