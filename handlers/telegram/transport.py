"""Bot API calls over aiohttp: python-telegram-bot's `BaseRequest` on an aiohttp client.

PTB's default transport (httpx) spends about four times as much CPU per call as aiohttp
does (measured with `bench/inbound.py` against the stand-in Bot API: about 1 ms against
0.25 ms per `sendMessage`), and a button press makes three calls (the answer to the press,
the pressed keyboard removed, the next question). aiohttp is already what the web server
and Slack's client run on. Errors are PTB's: a timeout is `TimedOut`, any other failure to
talk to the API `NetworkError`; HTTP statuses are mapped by `BaseRequest` itself.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

if TYPE_CHECKING:
    # the type PTB declares `do_request`'s timeouts with
    from telegram._utils.types import ODVInput

__all__ = ["AiohttpRequest"]

Proxy = tuple[URL | None, aiohttp.BasicAuth | None]
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _or_default(value: ODVInput[float], default: float | None) -> float | None:
    """The timeout a call asked for, or the default when it asked for none."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value  # type: ignore[return-value]


def _total(*parts: float | None) -> float | None:
    """The whole call's limit: the sum of its steps' limits (None: one of them has none)."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


class AiohttpRequest(BaseRequest):
    """Bot API requests on one aiohttp session, opened by `initialize` and closed by
    `shutdown` (python-telegram-bot calls both with the `Application`). Timeouts and their
    defaults are those of PTB's `HTTPXRequest`."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # (scheme, host) -> the proxy the environment names for it, looked up once
        self._proxies: dict[tuple[str, str], Proxy] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # the environment's proxy is looked up once per host (`_proxy`): with
                # trust_env aiohttp would look for it and for a .netrc in a thread per call
                trust_env=False,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _proxy(self, url: str) -> Proxy:
        """The proxy HTTPS_PROXY/HTTP_PROXY/ALL_PROXY name for `url` (NO_PROXY honoured), as
        httpx finds it."""
        scheme, _, rest = url.partition("://")
        key = (scheme, rest.split("/", 1)[0])
        found = self._proxies.get(key)
        if found is None:
            try:
                found = await asyncio.to_thread(get_env_proxy_for_url, URL(url))
            except LookupError:
                found = (None, None)
            self._proxies[key] = found
        return found

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else {}
        fields = request_data.json_parameters if request_data is not None else {}
        read = _or_default(read_timeout, self._read_timeout)
        connect = _or_default(connect_timeout, self._connect_timeout)
        pool = _or_default(pool_timeout, self._pool_timeout)
        write = _or_default(
            write_timeout, self._media_write_timeout if files else self._write_timeout
        )
        # aiohttp has no write timeout of its own: it bounds the whole call instead
        timeout = aiohttp.ClientTimeout(
            total=_total(pool, connect, write, read),
            connect=_total(pool, connect),
            sock_connect=connect,
            sock_read=read,
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            form = aiohttp.FormData()
            for name, value in fields.items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            data = form
        elif fields:
            # encoded here: aiohttp's own encoding of a dict costs a tenth of the call
            data, headers = urlencode(fields).encode(), _FORM
        proxy, proxy_auth = await self._proxy(url)
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
