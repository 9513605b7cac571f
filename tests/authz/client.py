"""A small HTTP/1.1 client for the matrix: one keep-alive connection to the gateway, JSON in
and out, and patience with the gateway's rate limits (a 429 is waited out, never judged)."""
import http.client
import json
import time
import urllib.parse


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body  # bytes
        self._json = None

    @property
    def content_type(self):
        return self.headers.get("content-type", "").split(";")[0].strip()

    def json(self):
        if self._json is None:
            try:
                self._json = json.loads(self.body or b"null")
            except ValueError:
                self._json = {}
        return self._json

    def text(self, limit=300):
        return self.body[:limit].decode("utf-8", "replace")


class Client:
    def __init__(self, base_url, timeout=20):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port = u.hostname, u.port
        self.timeout = timeout
        self.conn = None
        self.requests = 0
        self.waited_s = 0.0

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method, path, token=None, body=None, headers=None, cookie=None,
                raw=None, content_type=None):
        """method path with a bearer token (may be None), a JSON body (any JSON value) or raw
        bytes with content_type; answers an Answer. A 429 is retried after Retry-After."""
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if cookie is not None:
            h["Cookie"] = cookie
        data = None
        if raw is not None:
            data = raw
            h["Content-Type"] = content_type or "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        for attempt in range(30):
            ans = self._once(method, path, h, data)
            if ans.status != 429:
                return ans
            wait = float(ans.headers.get("retry-after", "1") or 1)
            wait = min(max(wait, 0.2), 10)
            self.waited_s += wait
            time.sleep(wait)
        return ans

    def _once(self, method, path, headers, data):
        for attempt in range(2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                body = r.read()
                self.requests += 1
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return Answer(r.status, hdrs, body)
            except (http.client.HTTPException, OSError):
                # the server closed a kept-alive connection: once more on a new one
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def form(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, raw=data,
                            content_type="application/x-www-form-urlencoded")
