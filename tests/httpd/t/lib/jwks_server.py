#!/usr/bin/python3
"""A tiny HTTPS key server for t/jwks_uri.t.

    jwks_server.py PORT CERT KEY DIR

Serves DIR/jwks.json (read at each request) at every GET path on
127.0.0.1:PORT; DIR/status, when it exists, holds another status to
answer with.  Each request's path is appended to DIR/requests.log, so a
test can count the fetches.  Stopped by the test with SIGTERM.
"""
import http.server
import os
import ssl
import sys

port, cert, key, root = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(os.path.join(root, "requests.log"), "a") as log:
            log.write(self.path + "\n")
        status = 200
        try:
            with open(os.path.join(root, "status")) as f:
                status = int(f.read().strip())
        except FileNotFoundError:
            pass
        with open(os.path.join(root, "jwks.json"), "rb") as f:
            body = f.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(os.path.join(root, "ready"), "w") as f:
    f.write(str(os.getpid()))
server.serve_forever()
