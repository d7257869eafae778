#!/usr/bin/env python3
"""verify-bundle.py - an independent verifier of Mutua export bundles.

Written from doc/FORMAT.md alone, without reading Mutua's C code, to show
that the document is enough to check a history: it relies on §1
(conventions: BLAKE2b-256, Ed25519, little-endian), §2 (the protobuf wire
format, the canonical encoding, unknown fields), §3 (entries: the Body,
the signature domain, id, link, times), §4 (the received text rule and
endpoints), §5 (payloads), §6 (the chain of a feed), §7 (cards), §8 (the
genesis, the governance rule, the federation id, the armour), §10 (the
bundle) and §11 (the Merkle tree of a feed and checkpoints).

Usage: verify-bundle.py BUNDLE GENESIS

Reads the bundle and the genesis file the members hold; checks the
bundle's magic, records, digest and END counts; that its GENESIS record
is the genesis given; the genesis itself (canonical, each founder's card
and signature); and every ENTRY and FORK record: its Body decoded by the
small protobuf reader below (canonical form, no unknown field, sizes,
ranges, text), the federation id, seq without gap, prev = the link of the
previous entry, times (range, not before the previous entry; not the
5-minute hold, which depends on the reader's clock), its signature and
those of the cards it carries, and every checkpoint's Merkle root. It
prints, per feed, the head seq and link reached, then "OK" or each
failure with its record number (ENTRY and FORK records numbered from 1 in
file order, as `bundletool list` numbers them).

It does not re-implement the fold (FORMAT.md §13): membership,
exclusions and cuts, key rotations and rekeys, loans and their graph,
settlement, votes and tallies, witnessed heads and balances are `mutua
audit`'s to judge. Of format 2's payloads it checks what one entry
shows: sizes and ranges, a tally's cut and votes, a witness's sorted
heads, and that a rotation's card is fresh. A bundle this script calls OK may still fail
the audit; one it refuses, the audit refuses too.

Python 3 standard library only (the modules of Debian's python3-minimal:
no shutil, no tempfile), plus the `openssl` command (1.1.1 or
later) for Ed25519, whose public keys it wraps in a SubjectPublicKeyInfo
PEM with the fixed 12-byte DER prefix 302a300506032b6570032100.

It reads the whole bundle into memory and starts one openssl process per
signature: a check of a few thousand entries, not of a federation's
years (`mutua audit` is the fast one).

Exit status: 0 every check holds, 1 a check failed (each printed), 2
usage, an unreadable file or no openssl.
"""

import base64
import binascii
import hashlib
import os
import re
import subprocess
import sys

ENTRY_BODY_MAX = 65536
GENESIS_MAX = 1 << 20
GENESIS_TEXT_MAX = 2 << 20
CARD_MAX = 4096
TIME_MIN = 1577836800000  # 2020-01-01T00:00:00Z
TIME_MAX = 7258118400000  # 2200-01-01T00:00:00Z
INT64_MAX = (1 << 63) - 1
ENTRY_DOMAIN = b"mutua entry v2\0"
ACT_DOMAIN = b"mutua staff act v1\n"
# payloads that may carry no staff act (§3.4)
NO_ACT = {"profile", "rotate", "tally", "checkpoint", "witness"}
CARD_DOMAIN = b"mutua card v1\0"
ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")


class Bad(Exception):
    """One failed check: its message says what is wrong."""


def blake(data):
    return hashlib.blake2b(data, digest_size=32).digest()


# ---- the protobuf reader (FORMAT.md §2) -----------------------------------

# field number -> (name, type, label); type is a scalar name or a message
# name; label "req", "opt" or "rep". ONEOFS: the fields of which at most one
# may appear.
SCHEMA = {
    "Body": {1: ("federation", "bytes", "req"), 2: ("author", "bytes", "req"),
             3: ("seq", "uint64", "req"), 4: ("prev", "bytes", "opt"),
             5: ("time", "int64", "req"), 7: ("staff", "StaffAct", "opt"),
             10: ("profile", "Profile", "opt"), 11: ("offer", "Offer", "opt"),
             12: ("offer_update", "OfferUpdate", "opt"),
             13: ("offer_withdraw", "OfferWithdraw", "opt"),
             14: ("block", "Block", "opt"), 15: ("unblock", "Unblock", "opt"),
             16: ("delegation", "Delegation", "opt"),
             17: ("revocation", "Revocation", "opt"),
             20: ("request", "Request", "opt"), 21: ("accept", "Transition", "opt"),
             22: ("decline", "Transition", "opt"), 23: ("cancel", "Transition", "opt"),
             24: ("handover", "Transition", "opt"),
             25: ("give_back", "Transition", "opt"), 26: ("close", "Transition", "opt"),
             27: ("agree", "Transition", "opt"), 28: ("dispute", "Transition", "opt"),
             30: ("proposal", "Proposal", "opt"), 31: ("vote", "Vote", "opt"),
             32: ("rotate", "KeyRotation", "opt"), 33: ("tally", "Tally", "opt"),
             40: ("checkpoint", "Checkpoint", "opt"), 41: ("witness", "Witness", "opt")},
    "Profile": {1: ("name", "string", "req"), 2: ("college", "string", "opt"),
                3: ("transport_key", "bytes", "req"), 4: ("endpoints", "string", "rep")},
    "Offer": {1: ("kind", "uint32", "req"), 2: ("title", "string", "req"),
              3: ("unit", "uint32", "req"), 4: ("capacity", "uint64", "req"),
              5: ("rate", "uint64", "req"), 6: ("location", "string", "opt"),
              7: ("description", "string", "opt"), 8: ("auto_accept", "bool", "opt"),
              20: ("conditions", "string", "opt"), 21: ("requires", "string", "rep"),
              22: ("deposit", "uint64", "opt")},
    "OfferUpdate": {1: ("offer", "bytes", "req"), 2: ("fields", "Offer", "req")},
    "OfferWithdraw": {1: ("offer", "bytes", "req")},
    "Block": {1: ("resource", "bytes", "req"), 2: ("start", "int64", "req"),
              3: ("end", "int64", "req"), 4: ("quantity", "uint64", "req"),
              5: ("reason", "uint32", "req"), 6: ("note", "string", "opt")},
    "Unblock": {1: ("block", "bytes", "req")},
    "Delegation": {1: ("card", "Card", "req"), 2: ("name", "string", "req"),
                   3: ("roles", "uint32", "rep"), 4: ("until", "int64", "opt")},
    "Revocation": {1: ("delegation", "bytes", "req"), 2: ("reason", "string", "opt")},
    "StaffAct": {1: ("key", "bytes", "req"), 2: ("delegation", "bytes", "req"),
                 3: ("nonce", "uint64", "req"), 4: ("sig", "bytes", "req")},
    "Request": {1: ("resource", "bytes", "req"), 2: ("start", "int64", "req"),
                3: ("end", "int64", "req"), 4: ("quantity", "uint64", "req"),
                5: ("note", "string", "opt"), 6: ("rate", "uint64", "opt"),
                7: ("unit", "uint32", "opt"), 10: ("wait", "bool", "opt"),
                11: ("repeat", "uint32", "opt"), 12: ("until", "int64", "opt"),
                20: ("requires", "string", "rep"),
                21: ("deposit", "uint64", "opt"), 22: ("estimate", "uint64", "opt"),
                23: ("conditions", "bytes", "opt")},
    "Transition": {1: ("request", "bytes", "req"), 2: ("note", "string", "opt"),
                   3: ("usage", "uint64", "opt"), 4: ("rate", "uint64", "opt"),
                   5: ("answers", "bytes", "opt"), 10: ("waitlist", "bool", "opt"),
                   20: ("report", "ConditionReport", "opt"),
                   21: ("forfeit", "uint64", "opt")},
    "ConditionReport": {1: ("meter", "uint64", "opt"), 2: ("fuel", "uint32", "opt"),
                        3: ("damage", "string", "opt"), 4: ("photos", "bytes", "rep")},
    "Settle": {1: ("request", "bytes", "req"), 2: ("usage", "uint64", "req"),
               20: ("forfeit", "uint64", "opt")},
    "Proposal": {1: ("admit", "Card", "opt"), 2: ("exclude", "bytes", "opt"),
                 3: ("set", "Parameter", "opt"), 4: ("rekey", "Rekey", "opt"),
                 5: ("college", "string", "opt"), 6: ("reason", "string", "opt"),
                 7: ("settle", "Settle", "opt")},
    "Parameter": {1: ("name", "string", "req"), 2: ("value", "int64", "req")},
    "Rekey": {1: ("member", "bytes", "req"), 2: ("card", "Card", "req"),
              3: ("key", "bytes", "req"), 4: ("upto", "uint64", "req")},
    "Tally": {1: ("proposal", "bytes", "req"), 2: ("votes", "bytes", "rep"),
              3: ("cut_key", "bytes", "opt"), 4: ("cut", "uint64", "opt")},
    "Vote": {1: ("proposal", "bytes", "req"), 2: ("choice", "uint32", "req")},
    "KeyRotation": {1: ("card", "Card", "req")},
    "Checkpoint": {1: ("size", "uint64", "req"), 2: ("root", "bytes", "req")},
    "Witness": {1: ("heads", "WitnessedHead", "rep")},
    "WitnessedHead": {1: ("feed", "bytes", "req"), 2: ("seq", "uint64", "req"),
                      3: ("root", "bytes", "req")},
    "Governance": {1: ("rule", "uint32", "req"), 2: ("colleges", "CollegeWeight", "rep"),
                   3: ("threshold", "uint32", "req"), 4: ("quorum", "uint32", "req"),
                   5: ("duration", "uint64", "req")},
    "CollegeWeight": {1: ("name", "string", "req"), 2: ("weight", "uint32", "req")},
    "Card": {1: ("body", "bytes", "req"), 2: ("sig", "bytes", "req")},
    "CardBody": {1: ("id", "bytes", "req"), 2: ("transport_key", "bytes", "req"),
                 3: ("name", "string", "req"), 4: ("college", "string", "opt"),
                 5: ("endpoints", "string", "rep"), 6: ("time", "int64", "req"),
                 7: ("replaces", "bytes", "opt"), 8: ("seq", "uint64", "opt")},
    "Genesis": {1: ("name", "string", "req"), 2: ("charter_hash", "bytes", "opt"),
                3: ("founders", "Card", "rep"), 4: ("credit_limit", "uint64", "req"),
                5: ("time", "int64", "req"), 6: ("governance", "Governance", "opt")},
}
ONEOFS = {"Body": {10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30, 31, 32, 33,
                   40, 41},
          "Proposal": {1, 2, 3, 4, 7}}
VARINT_TYPES = {"uint32", "uint64", "int64", "bool"}


def varint(buf, pos, what):
    """The varint at pos: (value, next pos). Shortest form only (§2.2.3)."""
    value = shift = 0
    start = pos
    while True:
        if pos >= len(buf):
            raise Bad("%s runs past the end" % what)
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            break
        shift += 7
        if pos - start == 10:
            raise Bad("%s is longer than 10 bytes" % what)
    if pos - start > 1 and buf[pos - 1] == 0:
        raise Bad("%s is not in its shortest form (not canonical)" % what)
    if value >= 1 << 64:
        raise Bad("%s exceeds 64 bits" % what)
    return value, pos


def decode(buf, msg):
    """Decodes buf as message msg, checking the canonical rules of §2.2
    and unknown fields (§2.3). Returns {name: value}, repeated fields as
    lists, strings as bytes (the text rules are checked by the caller),
    embedded messages as dicts."""
    fields = SCHEMA[msg]
    out = {}
    pos = 0
    last = 0
    while pos < len(buf):
        key, pos = varint(buf, pos, "a field key of %s" % msg)
        num, wt = key >> 3, key & 7
        if num not in fields:
            raise Bad("%s has an unknown field %d" % (msg, num))
        name, typ, label = fields[num]
        if num < last or (num == last and label != "rep"):
            raise Bad("%s: field %s out of order or repeated (not canonical)" % (msg, name))
        if num != last and name in out:
            raise Bad("%s: repeated field %s not contiguous (not canonical)" % (msg, name))
        last = num
        want = 0 if typ in VARINT_TYPES else 2
        if wt != want:
            raise Bad("%s: field %s has wire type %d, not %d" % (msg, name, wt, want))
        if wt == 0:
            v, pos = varint(buf, pos, "%s.%s" % (msg, name))
            if typ == "uint32" and v >= 1 << 32:
                raise Bad("%s.%s exceeds 32 bits (not canonical)" % (msg, name))
            if typ == "bool" and v > 1:
                raise Bad("%s.%s is a bool of %d (not canonical)" % (msg, name, v))
            if typ == "int64" and v >= 1 << 63:
                v -= 1 << 64
        else:
            n, pos = varint(buf, pos, "the length of %s.%s" % (msg, name))
            if n > len(buf) - pos:
                raise Bad("%s.%s runs past the end" % (msg, name))
            v = bytes(buf[pos:pos + n])
            pos += n
            if typ == "string" and 0 in v:
                raise Bad("%s.%s holds a zero byte (not canonical)" % (msg, name))
            if typ in SCHEMA:
                v = decode(v, typ)
        if label == "rep":
            out.setdefault(name, []).append(v)
        else:
            out[name] = v
    for num, (name, typ, label) in fields.items():
        if label == "req" and name not in out:
            raise Bad("%s lacks its required field %s" % (msg, name))
        if label == "rep":
            out.setdefault(name, [])
    oneof = ONEOFS.get(msg, set())
    if sum(1 for n in oneof if fields[n][0] in out) > 1:
        raise Bad("%s carries two fields of one oneof (not canonical)" % msg)
    return out


# ---- field rules (§4, §5) --------------------------------------------------


def text(value, what, maxlen, multiline=False, strict=False):
    """The received text rule (§4), or the signing rule when strict."""
    if value is None:
        return
    if len(value) > maxlen:
        raise Bad("%s is too long (%d bytes, at most %d)" % (what, len(value), maxlen))
    try:
        s = value.decode("utf-8")  # Python's codec is the shortest form only
    except UnicodeDecodeError as e:
        raise Bad("%s is not valid UTF-8 at byte %d" % (what, e.start + 1))
    for i, ch in enumerate(s):
        cp = ord(ch)
        bad = (cp < 0x20 and cp not in (9, 10)) or cp == 0x7F or (cp == 10 and not multiline)
        if strict and not bad:
            bad = ((cp == 9 and not multiline) or 0x80 <= cp <= 0x9F or
                   cp in (0x061C, 0x200E, 0x200F, 0x00AD, 0x180E, 0x200B, 0x2028,
                          0x2029, 0xFEFF) or
                   0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069 or
                   0x2060 <= cp <= 0x2064 or 0x206A <= cp <= 0x206F or
                   0xFFF9 <= cp <= 0xFFFB or 0xE0000 <= cp <= 0xE007F or
                   0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE)
        if bad:
            raise Bad("%s: character U+%04X at position %d is not allowed" % (what, cp, i + 1))


def nonempty(value, what):
    if not value:
        raise Bad("%s is empty" % what)


def size(value, what, n=32):
    if value is None or len(value) != n:
        raise Bad("%s must be %d bytes, not %d" % (what, n, 0 if value is None else len(value)))


def in_range(value, lo, hi, what):
    if not lo <= value <= hi:
        raise Bad("%s %d out of range (%d..%d)" % (what, value, lo, hi))


def endpoint(url):
    """§4: tcp://HOST:PORT or ipc://PATH."""
    if len(url) > 256 or any(b <= 0x20 or b >= 0x7F for b in url):
        raise Bad("endpoint %r is too long or has a bad byte" % url[:40])
    s = url.decode("ascii")
    if s.startswith("ipc://") and len(s) > 6:
        return
    if s.startswith("tcp://"):
        colon = s.rfind(":")
        port = s[colon + 1:]
        if colon > 6 and port:
            digits = port[1:] if port[0] == "+" else port
            if digits.isdigit() and 0 < int(digits) < 65536:
                return
    raise Bad("endpoint %r is not tcp://HOST:PORT or ipc://PATH" % s)


def endpoints(eps):
    if len(eps) > 8:
        raise Bad("more than 8 endpoints")
    for e in eps:
        endpoint(e)


class Verifier:
    """Ed25519 through openssl (§1), one process per signature."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.pems = {}
        self.known = {}  # (key, sig, BLAKE2b of msg) -> verdict: a card
        self.count = 0   # met again is not verified again

    def verify(self, key, msg, sig):
        if len(sig) != 64 or len(key) != 32:
            return False
        seen = (bytes(key), bytes(sig), blake(msg))
        if seen not in self.known:
            self.known[seen] = self.openssl(key, msg, sig)
        return self.known[seen]

    def openssl(self, key, msg, sig):
        pem = self.pems.get(key)
        if pem is None:
            pem = os.path.join(self.tmp, "k%d.pem" % len(self.pems))
            with open(pem, "wb") as f:
                f.write(b"-----BEGIN PUBLIC KEY-----\n" +
                        base64.b64encode(ED25519_SPKI + key) +
                        b"\n-----END PUBLIC KEY-----\n")
            self.pems[key] = pem
        m, s = os.path.join(self.tmp, "msg"), os.path.join(self.tmp, "sig")
        with open(m, "wb") as f:
            f.write(msg)
        with open(s, "wb") as f:
            f.write(sig)
        self.count += 1
        r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem,
                            "-rawin", "-in", m, "-sigfile", s],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode == 0 and b"Verified Successfully" in r.stdout


def card(c, ver, what):
    """§7: a valid card; returns its CardBody."""
    size(c["sig"], what + " signature", 64)
    if len(c["body"]) > 4096:
        raise Bad("%s body is larger than 4096 bytes" % what)
    cb = decode(c["body"], "CardBody")
    size(cb["id"], what + " id")
    size(cb["transport_key"], what + " transport key")
    nonempty(cb["name"], what + " name")
    text(cb["name"], what + " name", 128)
    text(cb.get("college"), what + " college", 64)
    endpoints(cb["endpoints"])
    if cb.get("replaces") is not None:
        size(cb["replaces"], what + " replaced key")
    if cb.get("seq") is not None:
        in_range(cb["seq"], 1, 2**63 - 1, what + " seq")
    if not ver.verify(cb["id"], CARD_DOMAIN + c["body"], c["sig"]):
        raise Bad("%s has a bad signature" % what)
    return cb


def governance(g):
    """§8.2."""
    if g["rule"] not in (1, 2):
        raise Bad("unknown governance rule %d" % g["rule"])
    in_range(g["threshold"], 0, 99, "governance threshold")
    in_range(g["quorum"], 0, 100, "governance quorum")
    in_range(g["duration"], 1000, 366 * 86400000, "governance duration")
    cols = g["colleges"]
    if (g["rule"] == 2) != (len(cols) > 0) or len(cols) > 16:
        raise Bad("the colleges rule needs 1 to 16 colleges, and only it")
    names = set()
    for c in cols:
        nonempty(c["name"], "college name")
        text(c["name"], "college name", 64, strict=True)
        in_range(c["weight"], 0, 100, "college weight")
        if c["name"] in names:
            raise Bad("college listed twice")
        names.add(c["name"])
    if cols and sum(c["weight"] for c in cols) != 100:
        raise Bad("college weights do not sum to 100")


PARAMS = {b"credit-limit": (0, 100000000000), b"threshold": (0, 99),
          b"quorum": (0, 100), b"duration": (1000, 366 * 86400000),
          b"close-grace": (0, 366 * 86400000), b"open-proposals": (1, 10000),
          b"reason-max": (0, 1000), b"entries-per-day": (1, 10000000),
          b"bytes-per-day": (65536, 100000000000)}
TRANSITIONS = ("accept", "decline", "cancel", "handover", "give_back", "close", "agree",
               "dispute")
TALLY_VOTES_MAX = 1500
WITNESS_HEADS_MAX = 512


REQUIREMENT = re.compile(rb"insurance|licence:[A-Z0-9]{1,4}")


def requires(r):
    """§5: requirements known, sorted by bytes, each once, at most 8."""
    if len(r) > 8:
        raise Bad("%d requirements (at most 8)" % len(r))
    for i, x in enumerate(r):
        if not REQUIREMENT.fullmatch(x):
            raise Bad("%r is no requirement" % x)
        if i and r[i - 1] >= x:
            raise Bad("requirements must be sorted, each once")


def offer(o):
    in_range(o["kind"], 1, 6, "offer kind")
    in_range(o["unit"], 1, 5, "offer unit")
    in_range(o["capacity"], 1, 1000000, "offer capacity")
    in_range(o["rate"], 0, 100000000, "offer rate")
    nonempty(o["title"], "offer title")
    text(o["title"], "title", 200)
    text(o.get("location"), "location", 200)
    text(o.get("description"), "description", 4000, multiline=True)
    text(o.get("conditions"), "conditions", 2000, multiline=True)
    requires(o["requires"])
    if "deposit" in o:
        in_range(o["deposit"], 1, 100000000, "offer deposit")


WEEK_MS = 7 * 86400000
SERIES_MAX = 53


def series(p):
    """§5, Request: a weekly series names its rule and its end; at most 53
    occurrences, none overlapping the next, all in the time range."""
    if "repeat" not in p and "until" not in p:
        return
    if "repeat" not in p or "until" not in p:
        raise Bad("a series names its rule (repeat) and its end (until)")
    if p["repeat"] != 1:
        raise Bad("series rule %d unknown" % p["repeat"])
    if not TIME_MIN <= p["until"] <= TIME_MAX or p["until"] <= p["start"]:
        raise Bad("series end out of range: after the first start, before 2200")
    if p["end"] - p["start"] > WEEK_MS:
        raise Bad("the occurrences of a weekly series overlap: a slot of more than a week")
    n = (p["until"] - p["start"] - 1) // WEEK_MS + 1
    if n > SERIES_MAX:
        raise Bad("a series of %d occurrences: at most %d" % (n, SERIES_MAX))
    if p["end"] + (n - 1) * WEEK_MS > TIME_MAX:
        raise Bad("series slot out of range (2020-01-01 to 2200-01-01 UTC)")


def payload(b, ver):
    """§5: the one payload and its rules; returns its name."""
    names = [SCHEMA["Body"][n][0] for n in sorted(ONEOFS["Body"])]
    present = [n for n in names if n in b]
    if not present:
        raise Bad("unknown payload type")
    kind = present[0]
    p = b[kind]
    if kind == "profile":
        nonempty(p["name"], "profile name")
        text(p["name"], "name", 128)
        text(p.get("college"), "college", 64)
        size(p["transport_key"], "transport key")
        endpoints(p["endpoints"])
    elif kind == "offer":
        offer(p)
    elif kind == "offer_update":
        size(p["offer"], "offer id")
        offer(p["fields"])
    elif kind == "offer_withdraw":
        size(p["offer"], "offer id")
    elif kind == "block":
        size(p["resource"], "resource id")
        for t in ("start", "end"):
            in_range(p[t], TIME_MIN, TIME_MAX, "block " + t)
        if p["end"] <= p["start"]:
            raise Bad("block slot ends before it starts")
        in_range(p["quantity"], 1, 1000000, "block quantity")
        in_range(p["reason"], 1, 3, "block reason")
        text(p.get("note"), "note", 1000, multiline=True)
    elif kind == "unblock":
        size(p["block"], "block id")
    elif kind == "delegation":
        nonempty(p["name"], "delegation name")
        text(p["name"], "name", 128)
        roles = p["roles"]
        in_range(len(roles), 1, 3, "delegation roles")
        for i, r in enumerate(roles):
            in_range(r, 1, 3, "delegation role")
            if i and roles[i - 1] >= r:
                raise Bad("delegation roles must be sorted, each once")
        if "until" in p:
            in_range(p["until"], TIME_MIN, TIME_MAX, "delegation until")
        if card(p["card"], ver, "delegated card")["id"] == b["author"]:
            raise Bad("a delegation names another key than the member's own")
    elif kind == "revocation":
        size(p["delegation"], "delegation id")
        text(p.get("reason"), "reason", 1000, multiline=True)
    elif kind == "request":
        size(p["resource"], "resource id")
        for t in ("start", "end"):
            in_range(p[t], TIME_MIN, TIME_MAX, "request " + t)
        if p["end"] <= p["start"]:
            raise Bad("request slot ends before it starts")
        in_range(p["quantity"], 1, 1000000, "request quantity")
        in_range(p.get("rate", 0), 0, 100000000, "request rate")
        in_range(p.get("unit", 1), 1, 5, "request unit")
        series(p)
        requires(p["requires"])
        in_range(p.get("deposit", 0), 0, 100000000, "request deposit")
        in_range(p.get("estimate", 0), 0, 1000000000, "request estimate")
        if "conditions" in p:
            size(p["conditions"], "conditions hash")
        text(p.get("note"), "note", 1000, multiline=True)
    elif kind in TRANSITIONS:
        size(p["request"], "request id")
        if "answers" in p:
            size(p["answers"], "answered step id")
        if "usage" in p and kind not in ("give_back", "close"):
            raise Bad("%s carries a usage" % kind)
        if "rate" in p and kind != "close":
            raise Bad("%s carries a rate" % kind)
        if "waitlist" in p and kind != "decline":
            raise Bad("%s carries a waitlist" % kind)
        in_range(p.get("rate", 0), 0, 100000000, "rate")
        in_range(p.get("usage", 0), 0, 1000000000, "usage")
        if "report" in p:
            if kind not in ("handover", "give_back", "close"):
                raise Bad("%s carries a condition report" % kind)
            r = p["report"]
            in_range(r.get("meter", 0), 0, 100000000000, "meter")
            in_range(r.get("fuel", 0), 0, 100, "fuel")
            if len(r["photos"]) > 16:
                raise Bad("condition report of %d photos (at most 16)" % len(r["photos"]))
            for ph in r["photos"]:
                size(ph, "photo hash")
            text(r.get("damage"), "damage", 1000, multiline=True)
        if "forfeit" in p:
            if kind != "close":
                raise Bad("%s carries a forfeit" % kind)
            in_range(p["forfeit"], 1, 100000000, "forfeit")
        text(p.get("note"), "note", 1000, multiline=True)
    elif kind == "proposal":
        text(p.get("college"), "college", 64)
        text(p.get("reason"), "reason", 1000, multiline=True)
        if "admit" in p:
            card(p["admit"], ver, "admitted card")
        elif "exclude" in p:
            size(p["exclude"], "member id")
        elif "rekey" in p:
            r = p["rekey"]
            size(r["member"], "member id")
            size(r["key"], "replaced key")
            in_range(r["upto"], 0, INT64_MAX, "rekey seq")
            if card(r["card"], ver, "rekey card")["id"] == r["key"]:
                raise Bad("the new key is the key it replaces")
        elif "settle" in p:
            size(p["settle"]["request"], "request id")
            in_range(p["settle"]["usage"], 0, 1000000000, "settled usage")
            in_range(p["settle"].get("forfeit", 0), 0, 100000000, "settle forfeit")
        elif "set" in p:
            lim = PARAMS.get(p["set"]["name"])
            if lim is None:
                raise Bad("unknown parameter")
            in_range(p["set"]["value"], lim[0], lim[1], "parameter value")
        else:
            raise Bad("unknown proposal")
    elif kind == "vote":
        in_range(p["choice"], 1, 3, "vote choice")
        size(p["proposal"], "proposal id")
    elif kind == "rotate":
        cb = card(p["card"], ver, "rotation card")
        if cb["id"] == b["author"]:
            raise Bad("the new key is the key it replaces")
        if cb.get("replaces") != b["author"] or cb.get("seq") != b["seq"]:
            raise Bad("the rotation's card is not fresh: it must name the key it replaces "
                      "and the rotation's seq %d" % b["seq"])
    elif kind == "tally":
        size(p["proposal"], "proposal id")
        if len(p["votes"]) > TALLY_VOTES_MAX:
            raise Bad("tally cites more than %d votes" % TALLY_VOTES_MAX)
        for v in p["votes"]:
            size(v, "vote id")
        if len(set(p["votes"])) != len(p["votes"]):
            raise Bad("the tally cites a vote twice")
        if ("cut_key" in p) != ("cut" in p):
            raise Bad("a tally's cut names a key and a seq, or nothing")
        if "cut" in p:
            size(p["cut_key"], "cut key")
            in_range(p["cut"], 0, INT64_MAX, "tally cut")
    elif kind == "witness":
        heads = p["heads"]
        if not 1 <= len(heads) <= WITNESS_HEADS_MAX:
            raise Bad("witness of %d heads (1..%d)" % (len(heads), WITNESS_HEADS_MAX))
        for i, h in enumerate(heads):
            size(h["feed"], "witnessed feed")
            size(h["root"], "witnessed root")
            in_range(h["seq"], 1, INT64_MAX, "witnessed seq")
            if i and heads[i - 1]["feed"] >= h["feed"]:
                raise Bad("witnessed heads are not sorted by feed, one a feed")
    elif kind == "checkpoint":
        if p["size"] != b["seq"] - 1:
            raise Bad("checkpoint at seq %d must cover %d entries, not %d"
                      % (b["seq"], b["seq"] - 1, p["size"]))
        size(p["root"], "checkpoint root")
    return kind


def entry(body, sig, ver):
    """§3.2: decodes and checks one entry; returns (Body, id, payload name).
    The signature is checked by the caller."""
    if not 1 <= len(body) <= ENTRY_BODY_MAX:
        raise Bad("entry body of %d bytes (1..%d)" % (len(body), ENTRY_BODY_MAX))
    b = decode(body, "Body")
    size(b["federation"], "federation id")
    size(b["author"], "author")
    in_range(b["seq"], 1, INT64_MAX, "seq")
    if (b["seq"] == 1) == ("prev" in b) or ("prev" in b and len(b["prev"]) != 32):
        raise Bad("seq %d has a wrong prev field" % b["seq"])
    in_range(b["time"], TIME_MIN, TIME_MAX, "time")
    kind = payload(b, ver)
    staff_act(b, body, kind, ver)
    return b, blake(body), kind


def payload_field(body):
    """The payload's field number and the bytes of its value inside the
    body (§2.2: its canonical encoding)."""
    pos = 0
    while pos < len(body):
        key, pos = varint(body, pos, "a field key of Body")
        if key & 7 == 0:
            _, pos = varint(body, pos, "a Body varint")
            continue
        n, pos = varint(body, pos, "a Body length")
        if key >> 3 >= 10:
            return key >> 3, body[pos:pos + n]
        pos += n
    raise Bad("unknown payload type")


def staff_act(b, body, kind, ver):
    """§3.4: a staff act's fields and its signature over the entry's own
    payload."""
    a = b.get("staff")
    if a is None:
        return
    size(a["key"], "staff key")
    size(a["delegation"], "staff delegation id")
    size(a["sig"], "staff signature", 64)
    if a["nonce"] == 0:
        raise Bad("staff act nonce is 0")
    if kind in NO_ACT:
        raise Bad("a %s may not carry a staff act" % kind)
    if a["key"] == b["author"]:
        raise Bad("a staff act is signed by the entry's own author")
    num, p = payload_field(body)
    msg = (ACT_DOMAIN + b["federation"] + b["author"] + a["delegation"] +
           a["nonce"].to_bytes(8, "big") + num.to_bytes(4, "big") + p)
    if not ver.verify(a["key"], msg, a["sig"]):
        raise Bad("bad staff signature on seq %d" % b["seq"])


# ---- the genesis (§8) ------------------------------------------------------


def unarmor(text_bytes, prefix, limit):
    """§8.4: the bytes the armour line encodes."""
    at = 0
    while True:
        at = text_bytes.find(prefix, at)
        if at < 0:
            raise Bad("no '%s' line" % prefix.decode().strip())
        if at == 0 or text_bytes[at - 1] == 0x0A:
            break
        at += 1
    rest = text_bytes[at + len(prefix):]
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
    chars = bytearray()
    for i, c in enumerate(rest):
        if c in b" \t\r\n":
            continue
        if c not in alphabet:
            if c != ord("#"):
                raise Bad("bad base64 (byte %d after the prefix)" % i)
            break
        chars.append(c)
    try:
        data = base64.b64decode(bytes(chars), validate=True)
    except binascii.Error:
        raise Bad("bad base64")
    if base64.b64encode(data) != bytes(chars):
        raise Bad("base64 not in its one encoding (padding or unused bits)")
    if not 1 <= len(data) <= limit:
        raise Bad("decoded size %d out of range (1..%d)" % (len(data), limit))
    return data


def genesis(data, ver):
    """§8.1: checks genesis bytes; returns (federation id, name)."""
    if not 1 <= len(data) <= GENESIS_MAX:
        raise Bad("genesis of a wrong size")
    g = decode(data, "Genesis")
    nonempty(g["name"], "federation name")
    text(g["name"], "federation name", 128)
    if "governance" in g:
        governance(g["governance"])
    if "charter_hash" in g:
        size(g["charter_hash"], "charter hash")
    if not 1 <= len(g["founders"]) <= 1000:
        raise Bad("the genesis must list 1 to 1000 founders")
    ids, xkeys = set(), set()
    colleges = None
    if g.get("governance", {}).get("rule") == 2:
        colleges = {c["name"] for c in g["governance"]["colleges"]}
    for i, c in enumerate(g["founders"]):
        cb = card(c, ver, "founder card %d" % (i + 1))
        if colleges is not None and cb.get("college") not in colleges:
            raise Bad("founder card %d is in no college of the governance rule" % (i + 1))
        if cb["id"] in ids or cb["transport_key"] in xkeys:
            raise Bad("the genesis lists a member twice")
        ids.add(cb["id"])
        xkeys.add(cb["transport_key"])
    return blake(data), g["name"].decode("utf-8", "replace")


# ---- Merkle tree (§11) -----------------------------------------------------


class Tree:
    """The RFC 6962 tree of a feed's entry ids, kept as its perfect
    subtrees (height, hash), largest first."""

    def __init__(self):
        self.nodes = []

    def push(self, entry_id):
        h = (0, hashlib.sha256(b"\0" + entry_id).digest())
        while self.nodes and self.nodes[-1][0] == h[0]:
            left = self.nodes.pop()
            h = (h[0] + 1, hashlib.sha256(b"\1" + left[1] + h[1]).digest())
        self.nodes.append(h)

    def root(self):
        if not self.nodes:
            return hashlib.sha256(b"").digest()
        r = self.nodes[-1][1]
        for _, h in reversed(self.nodes[:-1]):
            r = hashlib.sha256(b"\1" + h + r).digest()
        return r


# ---- the bundle (§10) ------------------------------------------------------


class Feed:
    def __init__(self):
        self.seq = 0
        self.link = b"\0" * 32
        self.time = 0
        self.ids = {}  # seq -> id, for duplicates and fork records
        self.tree = Tree()
        self.broken = None  # record number of its first refused entry
        self.more = 0  # entries refused after that one


def u32(b, at):
    return int.from_bytes(b[at:at + 4], "little")


def records(data, problems):
    """§10: yields (type, payload, number) for GENESIS, ENTRY and FORK
    records (ENTRY and FORK numbered from 1); raises Bad when the bundle is
    malformed, and appends to problems when END's counts are not the
    records' (the digest does not cover them)."""
    if data[:8] != b"MUTUABN2":
        if data[:8] == b"MUTUABN1":
            raise Bad("a format 1 bundle (MUTUABN1)")
        raise Bad("not a mutua bundle (no MUTUABN2 magic)")
    pos, state, n, counts = 8, 0, 0, [0, 0]
    order = {1: 1, 2: 1, 3: 2, 9: 3}
    while True:
        if pos + 5 > len(data):
            raise Bad("truncated at byte %d (no END record)" % pos)
        t, length = data[pos], u32(data, pos + 1)
        if t not in order:
            raise Bad("record of unknown type %d at byte %d" % (t, pos))
        limit = {1: GENESIS_MAX, 9: 48}.get(t, 4 + ENTRY_BODY_MAX + 64)
        if length > limit or (t == 9 and length != 48):
            raise Bad("record at byte %d has a wrong length (%d)" % (pos, length))
        if (state == 0) != (t == 1) or order[t] < state:
            raise Bad("records out of order at byte %d" % pos)
        if pos + 5 + length > len(data):
            raise Bad("truncated at byte %d" % pos)
        payload = data[pos + 5:pos + 5 + length]
        if t == 9:
            if blake(data[:pos]) != payload[16:]:
                raise Bad("END digest does not match: the file was altered or damaged")
            if pos + 5 + length != len(data):
                raise Bad("bytes after the END record")
            ne, nf = int.from_bytes(payload[:8], "little"), int.from_bytes(payload[8:16], "little")
            if (ne, nf) != tuple(counts):
                problems.append("END record counts %d entries and %d fork proofs, the bundle "
                                "holds %d and %d" % (ne, nf, counts[0], counts[1]))
            return
        if t != 1:
            if length < 4 + 1 + 64 or u32(payload, 0) + 4 + 64 != length:
                raise Bad("record at byte %d has inconsistent lengths" % pos)
            counts[t - 2] += 1
            n += 1
        state = order[t]
        yield t, payload, n
        pos += 5 + length


def check(bundle_path, genesis_path, ver):
    problems = []
    try:
        with open(genesis_path, "rb") as f:
            gtext = f.read(GENESIS_TEXT_MAX + 1)
        with open(bundle_path, "rb") as f:
            data = f.read()
    except OSError as e:
        print("verify-bundle: %s" % e, file=sys.stderr)
        return 2
    if len(gtext) > GENESIS_TEXT_MAX:
        print("verify-bundle: %s: larger than 2 MiB" % genesis_path, file=sys.stderr)
        return 2
    try:
        gbytes = unarmor(gtext, b"mutua-genesis-v1 ", GENESIS_MAX)
        fed, fed_name = genesis(gbytes, ver)
    except Bad as e:
        print("genesis %s: %s" % (genesis_path, e))
        print("FAILED: the genesis given is not valid")
        return 1
    print("federation %s (%s)" % (fed.hex(), fed_name))
    feeds = {}
    forks = []
    entries = 0
    try:
        for t, payload, n in records(data, problems):
            if t == 1:
                if payload != gbytes:
                    raise Bad("its GENESIS record is not the genesis given: federation %s, "
                              "not %s" % (blake(payload).hex(), fed.hex()))
                continue
            bl = u32(payload, 0)
            body, sig = payload[4:4 + bl], payload[4 + bl:]
            if t == 3:
                forks.append((n, body, sig))
                continue
            entries += 1
            take(n, body, sig, fed, feeds, ver, problems)
    except Bad as e:
        problems.append("bundle: %s" % e)
    for n, body, sig in forks:
        try:
            b, eid, _ = entry(body, sig, ver)
            if not ver.verify(b["author"], ENTRY_DOMAIN + body, sig):
                raise Bad("bad signature")
            held = feeds.get(b["author"], Feed()).ids.get(b["seq"])
            if held is None or held == eid:
                raise Bad("proves no fork: no other entry of its feed at seq %d" % b["seq"])
            problems.append("record %d: fork of feed %s at seq %d: two signed entries, %s "
                            "and %s" % (n, b["author"].hex(), b["seq"], held.hex(), eid.hex()))
        except Bad as e:
            problems.append("record %d (fork proof): %s" % (n, e))
    for author in sorted(feeds):
        f = feeds[author]
        if f.more:
            problems.append("feed %s: %d more entries refused after record %d"
                            % (author.hex(), f.more, f.broken))
        if f.seq:
            print("feed %s seq %d link %s" % (author.hex(), f.seq, f.link.hex()))
        else:
            print("feed %s seq 0 (no entry accepted)" % author.hex())
    if problems:
        for p in problems:
            print(p)
        print("FAILED: %d problem(s)" % len(problems))
        return 1
    print("OK: %d entries in %d feeds, %d signatures checked (not folded: run mutua audit "
          "for membership, keys, loans and balances)" % (entries, len(feeds), ver.count))
    return 0


def take(n, body, sig, fed, feeds, ver, problems):
    """One ENTRY record: §3.2, then §6 against its feed's head. As the
    audit reads, an entry that does not extend the head is refused and the
    head stays: later entries are compared with it; only the first refusal
    of a feed is told in full, the others are counted."""
    try:
        b, eid, kind = entry(body, sig, ver)
    except Bad as e:
        problems.append("record %d: %s" % (n, e))
        return
    author = b["author"]
    f = feeds.setdefault(author, Feed())
    where = "record %d (feed %s, seq %d)" % (n, author.hex()[:12], b["seq"])
    why = None
    if b["federation"] != fed:
        why = "entry of another federation"
    elif not ver.verify(author, ENTRY_DOMAIN + body, sig):
        why = "bad signature on seq %d" % b["seq"]
    elif b["seq"] <= f.seq:
        why = ("entry appears twice" if f.ids.get(b["seq"]) == eid
               else "a second signed entry at a seq already held (a fork)")
    elif b["seq"] != f.seq + 1:
        why = "gap: expected seq %d, got %d" % (f.seq + 1, b["seq"])
    elif f.seq and b["prev"] != f.link:
        why = "seq %d does not link to seq %d" % (b["seq"], f.seq)
    elif f.seq and b["time"] < f.time:
        why = "seq %d claims %d, before seq %d's %d" % (b["seq"], b["time"], f.seq, f.time)
    if why:
        if f.broken is None:
            problems.append("%s: %s" % (where, why))
            f.broken = n
        else:
            f.more += 1
        return
    # a false checkpoint is signed evidence, kept in the feed (§11)
    if kind == "checkpoint" and b["checkpoint"]["root"] != f.tree.root():
        problems.append("%s: checkpoint root does not match the feed" % where)
    f.seq, f.link, f.time = b["seq"], blake(eid + sig), b["time"]
    f.ids[b["seq"]] = eid
    f.tree.push(eid)


def has_openssl():
    return any(os.access(os.path.join(d, "openssl"), os.X_OK) for d in os.get_exec_path())


def main(argv):
    if len(argv) != 3 or argv[1].startswith("-"):
        print("usage: verify-bundle.py BUNDLE GENESIS", file=sys.stderr)
        return 2
    if not has_openssl():
        print("verify-bundle: the openssl command is needed (Ed25519)", file=sys.stderr)
        return 2
    # a private folder for the keys and messages openssl reads
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "verify-bundle.%d.%s" % (os.getpid(), os.urandom(6).hex()))
    try:
        os.mkdir(tmp, 0o700)
    except OSError as e:
        print("verify-bundle: %s" % e, file=sys.stderr)
        return 2
    try:
        return check(argv[1], argv[2], Verifier(tmp))
    finally:
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
