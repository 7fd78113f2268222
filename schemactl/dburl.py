"""Database URLs: which ones schemactl reads, how one is shown in a message, and the one place that keeps
a URL's secrets out of any text derived from it.

A PostgreSQL URL is read as libpq reads it (user information up to the first '@' not preceded by '/',
percent-decoded), so the secrets found here are the ones libpq uses.  A message built from a URL shows its
host, port, database and harmless parameters only; a driver's message about a URL (libpq quotes the URI,
a token of it or a conninfo string back) has every form of every secret replaced by ``***``: the password
as written, percent-decoded and percent-encoded, the whole user information, the values of ``password``,
``sslpassword`` and ``passfile`` (query parameters and conninfo keywords); a parse error's quoted excerpt
of the URL is never shown at all.  Every problem is a SchemactlError of one line (exit 2).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlencode

from .errors import EngineUnavailable, SchemactlError

POSTGRES_PREFIXES = ("postgresql://", "postgres://")   # libpq's own, case-sensitive as libpq reads them
SECRET_KEYS = frozenset({"password", "sslpassword", "passfile"})   # libpq parameters never shown
HIDDEN = "***"

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})|%00")
# conninfo keywords and query parameters holding secrets, wherever they appear in a text
_SECRET_KEYWORD = re.compile(r"(?i)\b((?:ssl)?password|passfile)(\s*=\s*)('(?:\\.|[^'\\])*'?|[^\s&\"]*)")
# user information of any URL in a text: scheme://user:password@ (the whole of it is hidden)
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^\s/\"']*@")


class _Parts:
    """A ``scheme://…`` URL split as libpq splits it; nothing is decoded.  ``stray_at``: an '@' libpq
    would not read as the end of the user information (in the host or database name), a sign of an
    unencoded '@' or '/' in a password."""

    def __init__(self, url: str):
        self.scheme, _, rest = url.partition("://")
        self.userinfo = self.user = self.password = None
        stop = re.search(r"[@/]", rest)
        if stop and stop.group() == "@":
            self.userinfo, rest = rest[:stop.start()], rest[stop.end():]
            user, colon, password = self.userinfo.partition(":")
            self.user, self.password = user, (password if colon else None)
        before_query, question, self.query = rest.partition("?")
        self.query = self.query if question else None
        self.hostport, slash, path = before_query.partition("/")
        self.path = slash + path
        self.stray_at = "@" in before_query

    def params(self) -> list[tuple[str, str]]:
        """(key, value as written) of each ``key=value`` of the query."""
        out = []
        for item in (self.query or "").split("&"):
            key, _, value = item.partition("=")
            out.append((key, value))
        return out


def _variants(secret: str) -> set[str]:
    """A secret as written, percent-decoded, percent-encoded (both ways quote() spells it), escaped as
    conninfo writes it, and with its whitespace run together as a one-line message shows it."""
    forms = {secret, unquote(secret)}
    for s in list(forms):
        forms |= {quote(s, safe=""), quote(s), s.replace("\\", "\\\\").replace("'", "\\'")}
    forms |= {" ".join(s.split()) for s in list(forms)}
    return {s for s in forms if s.strip()}


def secrets_of(url: str) -> list[str]:
    """Every spelling of every secret ``url`` holds (a URL or a conninfo string), longest first."""
    found: set[str] = set()
    if "://" in url:
        parts = _Parts(url)
        if parts.password:   # the user information with it: a user name alone is no secret
            found |= _variants(parts.password) | _variants(parts.userinfo)
        if parts.query is not None:
            for key, value in parts.params():
                if unquote(key).strip().lower() in SECRET_KEYS and value:
                    found |= _variants(value)
    for m in _SECRET_KEYWORD.finditer(url):   # conninfo keywords (and query parameters again)
        value = m.group(3)
        if value:
            found |= _variants(value)
            if value.startswith("'"):
                found |= _variants(re.sub(r"\\(.)", r"\1", value.strip("'")))
    try:
        from psycopg.conninfo import conninfo_to_dict
        parsed = conninfo_to_dict(url)
    except Exception:   # noqa: BLE001 - unparseable or no psycopg: the forms above are all there is
        parsed = {}
    for key, value in parsed.items():
        if key in SECRET_KEYS and value:
            found |= _variants(str(value))
    return sorted(found, key=lambda s: (-len(s), s))


def hide(text: str, urls) -> str:
    """``text`` with every secret of each of ``urls`` (URLs or conninfo strings), and any password or user
    information it spells itself, replaced by ***; its lines kept.  A secret shorter than four characters
    is replaced where it stands alone (not inside a longer word), so the message stays readable."""
    secrets = sorted({s for url in urls for s in secrets_of(url)}, key=lambda s: (-len(s), s))
    for s in secrets:
        if len(s) >= 4:
            text = text.replace(s, HIDDEN)
        else:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])", HIDDEN, text)
    text = _SECRET_KEYWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)
    return _USERINFO.sub(lambda m: f"{m.group(1)}{HIDDEN}@", text)


def scrub(text: str, url: str) -> str:
    """``text`` (a driver's message about ``url``, or any text derived from it) on one line, every secret
    of ``url`` hidden (hide())."""
    return hide(" ".join(hide(text, [url]).split()), [url])


def _parse_reason(message: str) -> str:
    """libpq's reason for refusing to parse a URL or conninfo string, without the excerpt of it libpq
    quotes (a password, a token of one, or the whole URI): its first line up to the quoted excerpt, and
    any other quoted text longer than one character as "…"."""
    line = (message.strip().splitlines() or [""])[0]
    line = line.split(': "', 1)[0]
    line = re.sub(r'"([^"]*)"', lambda m: m.group(0) if len(m.group(1)) <= 1 else '"…"', line)
    return line.split('"')[0].rstrip() if line.count('"') % 2 else line


def shown(url: str) -> str:
    """``url`` as a message shows it: host[:port]/database and its harmless parameters (a conninfo string:
    its harmless keywords); never a user's password, never any part of a URL that does not parse."""
    if "://" not in url:
        try:
            from psycopg.conninfo import conninfo_to_dict
            return " ".join(f"{k}={v}" for k, v in sorted(conninfo_to_dict(url).items()) if k not in SECRET_KEYS)
        except Exception:   # noqa: BLE001 - not a conninfo string libpq reads: nothing of it is shown
            return "the given conninfo string"
    parts = _Parts(url)
    if parts.stray_at:
        return f"{parts.scheme}://…"
    kept = [(unquote(k), unquote(v)) for k, v in parts.params()
            if k and unquote(k).strip().lower() not in SECRET_KEYS]
    return f"{parts.hostport}{parts.path}" + (f"?{urlencode(kept)}" if kept and parts.query else "")


def check_postgres(url: str, conninfo: bool = False) -> None:
    """Refuse (one line, nothing of a secret in it) a PostgreSQL URL that libpq cannot read, or reads other
    than its writer meant; ``conninfo``: a ``key=value`` conninfo string is accepted too."""
    if "\0" in url:
        raise SchemactlError("the PostgreSQL URL contains a NUL character")
    if "://" in url and not url.startswith(POSTGRES_PREFIXES):
        raise SchemactlError(_scheme_problem(url))
    if "://" in url:
        parts = _Parts(url)
        if parts.stray_at:
            raise SchemactlError(
                f"invalid PostgreSQL URL {parts.scheme}://…: it has an '@' after the host (libpq would read part "
                "of it as the host or database name): percent-encode '@' and '/' in a user name, password or "
                "database name as %40 and %2F")
        components = [("user name", parts.user), ("password", parts.password), ("host", parts.hostport),
                      ("database name", parts.path)]
        components.append(("query", parts.query))   # its parameters are not named: one may be part of a password
        for what, text in components:
            if text and _BAD_PERCENT.search(text):
                raise SchemactlError(
                    f"invalid PostgreSQL URL {_shown_invalid(parts)}: bad percent-encoding in the {what} ('%' must "
                    "start a %XX escape other than %00; write a '%' itself as %25)")
    elif not conninfo:
        raise SchemactlError("not a PostgreSQL URL: write postgresql://user@host:port/database")
    from psycopg.conninfo import conninfo_to_dict
    import psycopg
    try:
        conninfo_to_dict(url)
    except psycopg.Error as exc:
        where = _shown_invalid(_Parts(url)) if "://" in url else "conninfo string"
        hint = "" if "://" in url else " (a SQLite file is sqlite:///path)"
        raise SchemactlError(f"invalid PostgreSQL {'URL ' if '://' in url else ''}{where}: "
                             f"{scrub(_parse_reason(str(exc)), url)}{hint}") from None


def _shown_invalid(parts: _Parts) -> str:
    """A URL libpq cannot read, as a message shows it: its user information hidden, its query left out."""
    return f"{parts.scheme}://{HIDDEN + '@' if parts.userinfo is not None else ''}{parts.hostport}{parts.path}"


def parse_url(url: str) -> tuple[str, str]:
    """``postgresql://…`` / ``postgres://…`` / ``sqlite:///path`` -> (engine, address); anything else,
    or a PostgreSQL URL libpq cannot read, is a one-line SchemactlError that shows no secret."""
    if "\0" in url:
        raise SchemactlError("the database URL contains a NUL character")
    if url.startswith(POSTGRES_PREFIXES) or is_conninfo(url):
        check_postgres(url, conninfo=True)
        return "postgres", url
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if not path:
            raise SchemactlError("sqlite URL has no path: write sqlite:///relative.db or sqlite:////absolute.db")
        return "sqlite", path
    raise SchemactlError(_scheme_problem(url))


_CONNINFO = re.compile(r"^\s*[A-Za-z_]+\s*=")


def is_conninfo(url: str) -> bool:
    """A libpq ``key=value`` conninfo string (host=… dbname=…), not a URL."""
    return "://" not in url and bool(_CONNINFO.match(url))


def _scheme_problem(url: str) -> str:
    """Why ``url``, which is neither postgresql://, postgres:// nor sqlite:///path, is not read: only its
    scheme is shown."""
    m = _SCHEME.match(url)
    scheme = m.group(1) if m else None
    if scheme and scheme.lower() == "sqlite":
        return "a sqlite URL is sqlite:/// and a path: write sqlite:///relative.db or sqlite:////absolute.db"
    base = (scheme or "").split("+")[0].lower()
    if base in ("postgresql", "postgres") and scheme != base:
        how = "a driver suffix (+…) is not part of a libpq URL" if "+" in scheme else "libpq reads it in lower case"
        return f'cannot read database URL "{scheme}:…": {how}; write {base}://…'
    if scheme:
        return f'cannot read database URL "{scheme}:…": use postgresql://… or sqlite:///path'
    return ("cannot read the database URL: it must start with postgresql://, postgres:// or sqlite:/// "
            "(a SQLite file: sqlite:///path/to.db)")


def redact_url(url: str) -> tuple[str, list[str]]:
    """(the URL as shown in messages: host, database and harmless parameters only; the secrets it holds)."""
    return shown(url), secrets_of(url)


# The DDL schemactl renders writes a backslash in a string literal as itself ('a\\b'), as PostgreSQL reads it with
# standard_conforming_strings on (its default).  A database or role set to off reads \' as a quote: a manifest's
# comment or default "x\\'; CREATE TABLE …; --" then ended its literal and ran a second statement.  Every session
# schemactl opens to run or read DDL sets it on.  The sessions of a user's URL SET it once connected rather than in
# the start-up packet's options: a connection pooler before PgBouncer 1.20 refuses any options, and every pooler
# tracks standard_conforming_strings (PostgreSQL reports it), so a SET of it holds in transaction pooling too.  The
# scratch databases (schemactl's own server, or --postgres-url) take it in their options.
LITERAL_STRINGS = "-c standard_conforming_strings=on"


def literal_strings(options: str | None) -> str:
    """libpq ``options`` with standard_conforming_strings on (after any the caller gave, so it wins)."""
    return f"{options} {LITERAL_STRINGS}" if options and options.strip() else LITERAL_STRINGS


def connect_postgres(url: str, what: str = "", conninfo: bool = False, **kwargs):
    """psycopg.connect(url, **kwargs) after check_postgres(), standard_conforming_strings set on; a failure is
    EngineUnavailable of one line naming the server as shown() shows it (``what`` before it) and libpq's reason
    with every secret hidden."""
    check_postgres(url, conninfo=conninfo)
    import psycopg
    try:
        conn = psycopg.connect(url, **kwargs)
    except psycopg.Error as exc:
        raise EngineUnavailable(f"cannot connect to {what + ' ' if what else ''}{shown(url)}: "
                                f"{scrub(str(exc), url)}") from None
    try:
        conn.execute("SET standard_conforming_strings = on")
        if not conn.autocommit:
            conn.commit()   # a SET rolled back with a later transaction would be undone
    except psycopg.Error as exc:
        conn.close()
        raise EngineUnavailable(f"cannot use {what + ' ' if what else ''}{shown(url)}: "
                                f"{scrub(str(exc), url)}") from None
    return conn


def sqlite_uri(path, mode: str) -> str:
    """SQLite's file: URI for ``path`` (made absolute) opened in ``mode`` ("ro", or "rw": never created).
    The name's bytes are percent-encoded, so '#', '?', '%' and a name that is not UTF-8 stay part of it
    (unencoded, SQLite would open, and create, another file)."""
    import os
    from pathlib import Path
    return f"file:{quote(os.fsencode(Path(path).resolve()), safe='/')}?mode={mode}"


def sqlite_read_only_uri(path: str) -> str:
    """A read-only file: URI for ``path`` (dburl.sqlite_uri)."""
    return sqlite_uri(path, "ro")


def connect_url(url: str, read_only: bool = True):
    """A DB-API connection for a database URL (sqlite3 or psycopg)."""
    engine, address = parse_url(url)
    if engine == "sqlite":
        import sqlite3
        from pathlib import Path
        if address == ":memory:":   # gone with the command: nothing to read, and what is written is lost
            raise SchemactlError("sqlite:///:memory: is a database that ends with the command; name a SQLite file")
        if read_only and Path(address).is_dir():
            raise SchemactlError(f"SQLite database {address} is a directory, not a database file")
        if read_only and not Path(address).is_file():
            where = ("" if Path(address).is_absolute() else
                     f" (sqlite:///{address} is relative to the current directory; an absolute path has four "
                     f"slashes: sqlite:////{address})")
            raise SchemactlError(f"SQLite database {address} does not exist{where}")
        try:
            if read_only:
                return sqlite3.connect(sqlite_read_only_uri(address), uri=True)
            return sqlite3.connect(address)
        except sqlite3.Error as exc:
            raise SchemactlError(f"cannot open {address}: {exc}") from None
    options = "-c default_transaction_read_only=on" if read_only else None
    return connect_postgres(address, conninfo=True, connect_timeout=10,
                            options=options)   # one line, no secret, when it fails
