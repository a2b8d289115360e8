#!/usr/bin/env python3
"""A counting TCP proxy for checking what mjconform says it sent.

    scripts/count-proxy.py UPSTREAM_URL COUNT_FILE

Listens on 127.0.0.1 (a free port), prints `listening on http://127.0.0.1:PORT/` and relays
every connection to UPSTREAM_URL's host and port byte for byte. After each connection ends it
rewrites COUNT_FILE (JSON) with:

- `connections`: connections accepted. mjconform never reuses a connection, so each of its
  requests is one connection; its preflight's bare connection (a `http://` target) is one
  too, and its "requests sent" line counts it.
- `requests`: HTTP request lines seen from the client (a connection that sent nothing, like
  the preflight's, has none).

No third-party module: CI machines have python3 and nothing else is assumed.
"""

import json
import os
import re
import socket
import sys
import threading
from urllib.parse import urlsplit

REQUEST_LINE = re.compile(rb"(?:^|\r\n)[A-Z]+ [^ \r\n]+ HTTP/1\.[01]\r\n")

lock = threading.Lock()
counts = {"connections": 0, "requests": 0}


def write_counts(path):
    # Under the lock: one writer at a time, so the rename always finds its file.
    with lock:
        partial = f"{path}.partial"
        with open(partial, "w") as file:
            file.write(json.dumps(counts))
        os.replace(partial, path)


def relay(source, sink, seen=None):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if seen is not None:
                seen.append(data)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client, upstream, path):
    sent = []
    try:
        server = socket.create_connection(upstream, timeout=30)
        server.settimeout(None)
    except OSError:
        server = None
    if server is not None:
        back = threading.Thread(target=relay, args=(server, client), daemon=True)
        back.start()
        relay(client, server, sent)
        count_requests(sent, path)
        # The client is done sending; the answer gets a while to finish, then both ends go
        # (a server that keeps the connection open must not keep the proxy's thread).
        back.join(timeout=10)
        for end in (server, client):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
        return
    else:
        client.settimeout(2)
        try:
            sent.append(client.recv(65536))
        except OSError:
            pass
    client.close()
    count_requests(sent, path)


def count_requests(sent, path):
    # Request heads are found in what the client sent, split however it arrived.
    stream = b"".join(sent)
    with lock:
        counts["requests"] += len(REQUEST_LINE.findall(stream))
    write_counts(path)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: count-proxy.py UPSTREAM_URL COUNT_FILE")
    target = urlsplit(sys.argv[1])
    upstream = (target.hostname, target.port or 80)
    path = sys.argv[2]
    write_counts(path)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    print(f"listening on http://127.0.0.1:{listener.getsockname()[1]}/", flush=True)
    while True:
        client, _ = listener.accept()
        with lock:
            counts["connections"] += 1
        write_counts(path)
        threading.Thread(target=serve, args=(client, upstream, path), daemon=True).start()


if __name__ == "__main__":
    main()
