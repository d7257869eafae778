#!/usr/bin/env python3
"""webload.py URL SETUP_TOKEN RATE READY STATS: a web page's load for the
sync_under_web_load figure of `make bench` (tests/bench.sh): RATE signed-in
API requests a second (50: fifty browsers' worth, one request a second
each) against mutuad's web page at URL, as its staff would make them: the
catalogue of one kind, a search, a resource's page with its calendar, my
requests, the incoming ones, the balances, who am I.

It signs in first with the first-sign-in token (the Argon2id of the
password is not part of what is measured), writes READY, then keeps the
pace until SIGTERM, and writes to STATS one line: requests sent, those
that failed (not 200), seconds, requests a second."""
import http.client
import json
import signal
import sys
import time
import urllib.parse

url, token, rate, ready, stats = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
u = urllib.parse.urlsplit(url)
stop = False


def on_term(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)


def connect():
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


conn = connect()
cookie = ""


def call(method, path, body=None, headers=None):
    global conn
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if body is not None:
        h["Content-Type"] = "application/json"
    for attempt in (0, 1):
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return r, r.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = connect()
            if attempt:
                raise


# the page up, then the first sign-in
deadline = time.time() + 20
while True:
    try:
        r, _ = call("GET", "/api/me")
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("webload: no web page at %s" % url)
        time.sleep(0.05)
password = "bench web load 2026"
r, body = call("POST", "/api/setup", json.dumps({"token": token, "password": password}))
if r.status != 200:
    sys.exit("webload: the sign-in failed: %d %s" % (r.status, body[:200]))
cookie = r.getheader("Set-Cookie").split(";")[0]
r, body = call("GET", "/api/offers?kind=room")
rooms = json.loads(body) if r.status == 200 else []
offer = rooms[0]["id"] if rooms else None
paths = ["/api/offers?kind=room", "/api/offers?q=salle", "/api/requests?dir=mine",
         "/api/requests?dir=incoming", "/api/balances", "/api/me"]
if offer:
    paths[1:1] = ["/api/offer?id=" + offer]
open(ready, "w").write("ready\n")

sent = failed = 0
t0 = time.time()
while not stop:
    due = t0 + sent / rate
    now = time.time()
    if due > now:
        time.sleep(due - now)
        continue
    try:
        r, _ = call("GET", paths[sent % len(paths)])
        failed += r.status != 200
    except (http.client.HTTPException, OSError):
        failed += 1
    sent += 1
t = time.time() - t0
open(stats, "w").write("%d %d %.3f %.1f\n" % (sent, failed, t, sent / t if t > 0 else 0))
