"""E-mail addresses typed by the youth: basic validation only (the real check is the
confirmation message sent to the address)."""

from __future__ import annotations

__all__ = ["parse_email"]

_MAX_EMAIL = 254
# RFC 5322 "atext" without the braces and the other markup-ish characters we never want to echo.
_LOCAL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_|~-"
)


def parse_email(text: str) -> str | None:
    """A plausible e-mail address (trimmed, domain lowercased), or None.

    Basic validation only: the real check is the confirmation message sent to it.
    """
    address = text.strip()
    if not address or len(address) > _MAX_EMAIL or address.count("@") != 1:
        return None
    local, domain = address.split("@")
    if not _valid_local(local):
        return None
    domain = domain.lower()
    if not _valid_domain(domain):
        return None
    return f"{local}@{domain}"


def _valid_local(local: str) -> bool:
    if not local or len(local) > 64:  # RFC 5321 limit
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    return all(char in _LOCAL_CHARS for char in local)


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2:  # a dot is required
        return False
    for label in labels:
        if not label or len(label) > 63 or label[0] == "-" or label[-1] == "-":
            return False
        # str.isalnum accepts internationalised domain names ("café.fr")
        if not all(char.isalnum() or char == "-" for char in label):
            return False
    tld = labels[-1]
    return len(tld) >= 2 and not tld.isdigit()
