"""A local Open311 GeoReport v2 server standing in for a department's own system that cases are sent on to.

It takes requests (requests.json, answering EXT-1, EXT-2, ...), lists `updates` at servicerequestupdates.json
unless `updates_extension` is off (then 404, as servers without that optional extension answer), and shows
each request's own status at requests/{id}.json from `statuses`. Every call needs api_key "their-key".
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlparse

from tests.support.local_http import JsonHandler, serving

KEY = "their-key"
ONE_REQUEST = re.compile(r"^/v2/requests/([^/]+)\.json$")


class OutsideOpen311:
    def __init__(self, updates_extension: bool = True):
        self.updates_extension = updates_extension
        self.posted: list[dict] = []
        self.updates: list[dict] = []
        self.statuses: dict[str, dict] = {}
        self.asked: list[str] = []
        server = self

        class Handler(JsonHandler):
            def do_POST(self):
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                server.posted.append({k: v[0] for k, v in form.items()})
                self.reply(201, [{"service_request_id": f"EXT-{len(server.posted)}"}])

            def do_GET(self):
                url = urlparse(self.path)
                server.asked.append(url.path)
                if parse_qs(url.query).get("api_key") != [KEY]:
                    return self.reply(403, [{"code": 403, "description": "api_key"}])
                one = ONE_REQUEST.match(url.path)
                if url.path == "/v2/servicerequestupdates.json" and server.updates_extension:
                    return self.reply(200, server.updates)
                if one and one.group(1) in server.statuses:
                    return self.reply(200, [{"service_request_id": one.group(1), **server.statuses[one.group(1)]}])
                self.reply(404, [{"code": 404, "description": "not found"}])

        self.handler = Handler


@contextmanager
def outside_system(updates_extension: bool = True):
    fake = OutsideOpen311(updates_extension)
    with serving(fake.handler) as base:
        fake.base_url = f"{base}/v2"
        yield fake
