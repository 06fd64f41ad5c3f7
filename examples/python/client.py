#!/usr/bin/env python3
"""Connect to accountd, log in, create a user and query it.

Needs only the `websocket-client` package:

    pip install websocket-client
    python3 examples/python/client.py ws://127.0.0.1:6780/api/current truenas_admin PASSWORD
"""
import itertools
import json
import os
import sys

import websocket


class Client:
    """A minimal JSON-RPC 2.0 client over WebSocket, shaped like TrueNAS's."""

    def __init__(self, url):
        self.ws = websocket.create_connection(url)
        self.ids = itertools.count(1)

    def call(self, method, *params):
        call_id = next(self.ids)
        self.ws.send(json.dumps({"jsonrpc": "2.0", "id": call_id, "method": method, "params": list(params)}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") != call_id:
                continue  # a notification
            if "error" in reply:
                data = reply["error"].get("data") or {}
                raise RuntimeError(data.get("reason") or reply["error"]["message"])
            return reply["result"]


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:6780/api/current"
    username = sys.argv[2] if len(sys.argv) > 2 else "truenas_admin"
    password = sys.argv[3] if len(sys.argv) > 3 else os.environ["ACCOUNTD_PASSWORD"]

    c = Client(url)
    c.call("core.set_options", {"legacy_jobs": False, "private_methods": False, "py_exceptions": False})
    login = c.call("auth.login_ex", {"mechanism": "PASSWORD_PLAIN", "username": username, "password": password})
    if login["response_type"] != "SUCCESS":
        sys.exit(f"login failed: {login['response_type']}")
    print(f"logged in as {username}")

    name = f"pyexample{os.getpid()}"
    created = c.call("user.create", {"username": name, "full_name": "Python Example", "group_create": True,
                                     "random_password": True})
    print(f"created {created['username']} with uid {created['uid']}")

    found = c.call("user.query", [["username", "=", name]], {"get": True, "select": ["id", "username", "uid"]})
    assert found["id"] == created["id"], found
    print(f"query found {found}")

    try:
        c.call("user.create", {"username": name, "full_name": "Again", "group_create": True, "random_password": True})
    except RuntimeError as e:
        print(f"creating it twice fails as expected: {e.args[0].strip()}")
    else:
        sys.exit("creating a duplicate user succeeded")

    print("deleted id", c.call("user.delete", created["id"]))


if __name__ == "__main__":
    main()
