#!/usr/bin/env python3
"""format-diff.py - does doc/FORMAT.md say what the code does? Compares the
verdict of verify-bundle.py's entry decoder (written from the document
alone: §2 canonical encoding, §3.1 Body, §4 text, §5 payloads, §7 cards)
with the node's own, entry_decode (`bundletool decode`), on mutations of
the entry bodies of a real bundle; with --genesis, of its genesis decoder
(§8: genesis_decode, `bundletool decode genesis`) on mutations of the
bundle's genesis. Mutations: bytes flipped, replaced, inserted,
deleted, truncated; fields swapped, repeated, re-encoded with a longer
key, unknown fields and empty strings inserted, a second payload; varints
set to the edges of the ranges, bytes one longer or shorter; the same
inside embedded messages; and, for each body, every field at the edges of
its range, one at a time (variants). Signatures are not compared (no mutation keeps
one valid).

Usage: format-diff.py [--genesis] BUNDLE BUNDLETOOL [SEED [CASES]]
Prints the seed, then each disagreement (the first 10 in full) and a
summary line; exit 0 when the two agree on every case, 1 otherwise, 2 on
usage.
"""

import importlib.util
import os
import random
import subprocess
import sys


def load_verifier():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("vb", os.path.join(here, "verify-bundle.py"))
    vb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vb)
    return vb


def enc(v):
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def split(vb, b):
    """The top-level fields of a message, as byte strings."""
    out, pos = [], 0
    while pos < len(b):
        start = pos
        key, pos = vb.varint(b, pos, "key")
        if key & 7 == 0:
            _, pos = vb.varint(b, pos, "value")
        elif key & 7 == 2:
            n, pos = vb.varint(b, pos, "length")
            pos += n
        else:
            raise vb.Bad("wire type")
        if pos > len(b):
            raise vb.Bad("past the end")
        out.append(bytes(b[start:pos]))
    return out


def bytewise(rnd, b):
    b = bytearray(b)
    if not b:
        return bytes(b)
    k, i = rnd.randrange(6), rnd.randrange(len(b))
    if k == 0:
        b[i] ^= 1 << rnd.randrange(8)
    elif k == 1:
        b[i] = rnd.randrange(256)
    elif k == 2:
        b.insert(i, rnd.randrange(256))
    elif k == 3:
        del b[i]
    elif k == 4:  # values at the edges of ranges and of the text rules
        b[i] = rnd.choice([0, 1, 2, 7, 9, 10, 0x7F, 0x80, 0xC2, 0xFF, 0x3F])
    else:
        del b[i:]
    return bytes(b)


# values at the edges of the ranges of FORMAT.md §5 (units, choices,
# capacities, rates, usages, tally and witness sizes, seqs, times)
EDGES = [0, 1, 2, 3, 5, 6, 7, 99, 100, 1000, 1500, 1501, 1000000, 1000001, 100000000,
         100000001, 1000000000, 1000000001, 31622400000, 31622400001, 1577836799999,
         1577836800000, 7258118400000, 7258118400001, (1 << 32) - 1, 1 << 32,
         (1 << 63) - 1, 1 << 63, (1 << 64) - 1]


def structural(vb, rnd, b, depth=0):
    f = split(vb, b)
    if not f:
        return b
    k, i = rnd.randrange(8), rnd.randrange(len(f))
    if k == 0 and len(f) > 1:
        j = min(i + 1, len(f) - 1)
        f[i], f[j] = f[j], f[i]
    elif k == 1:
        f.insert(i, f[i])
    elif k == 2 and f[i][0] < 0x80:  # the same key, not in its shortest form
        f[i] = bytes([f[i][0] | 0x80, 0]) + f[i][1:]
    elif k == 3:
        num, wt = rnd.choice([7, 9, 14, 15, 27, 33, 41, 50, 100]), rnd.choice([0, 2])
        f.insert(i, enc(num << 3 | wt) + (b"\x01" if wt == 0 else b"\x00"))
    elif k == 4:  # an empty field 6 (reserved in a Body) or 7 (a staff act)
        f.insert(i, rnd.choice([b"\x32\x00", b"\x3a\x00"]))
    elif k == 5:
        f.append(rnd.choice(f))
    elif k == 6:  # a varint set to an edge value, or a length off by one
        key, pos = vb.varint(f[i], 0, "key")
        if key & 7 == 0:
            f[i] = f[i][:pos] + enc(rnd.choice(EDGES))
        else:
            _, p2 = vb.varint(f[i], pos, "length")
            v = f[i][p2:]
            v = v[:-1] if v and rnd.random() < 0.5 else v + bytes([rnd.randrange(256)])
            f[i] = f[i][:pos] + enc(len(v)) + v
    elif depth < 3:
        key, pos = vb.varint(f[i], 0, "key")
        if key & 7 == 2:
            _, p2 = vb.varint(f[i], pos, "length")
            inner = f[i][p2:]
            if inner:
                inner = structural(vb, rnd, inner, depth + 1)
            f[i] = f[i][:pos] + enc(len(inner)) + inner
    return b"".join(f)


def encode(vb, d, msg):
    """The canonical bytes of a message decoded by vb.decode (§2.2)."""
    out = bytearray()
    for num in sorted(vb.SCHEMA[msg]):
        name, typ, label = vb.SCHEMA[msg][num]
        if name not in d:
            continue
        for v in d[name] if label == "rep" else [d[name]]:
            if typ in vb.VARINT_TYPES:
                out += enc(num << 3) + enc(v & ((1 << 64) - 1))
            else:
                v = encode(vb, v, typ) if typ in vb.SCHEMA else v
                out += enc(num << 3 | 2) + enc(len(v)) + v
    return bytes(out)


def distinct(vb, v, typ, i):
    """Element i of a long list made from v, all distinct and ascending:
    v itself with its first bytes field (for a message) set to i."""
    if typ == "bytes":
        return i.to_bytes(len(v), "big")
    if typ == "string":
        return v + b"%05d" % i
    if typ in vb.VARINT_TYPES:
        return v + i
    for num in sorted(vb.SCHEMA[typ]):
        name, t, label = vb.SCHEMA[typ][num]
        if t == "bytes" and label != "rep" and name in v:
            return dict(v, **{name: i.to_bytes(len(v[name]), "big")})
    return v


def variants(vb, d, msg):
    """Each field of a decoded message at the edges, one at a time, at
    every depth: every varint field (present or not, outside a oneof) set
    to each edge value, an optional field dropped, a bytes field one byte
    shorter or longer or an absent one of 31 and 32 bytes, a repeated
    field emptied or made 512, 513, 1500 or 1501 distinct elements long, its
    first element repeated, its elements reversed, a repeated varint's first
    element at each edge value."""
    oneof = vb.ONEOFS.get(msg, set())
    for num, (name, typ, label) in sorted(vb.SCHEMA[msg].items()):
        if num in oneof and name not in d:
            continue
        if label == "opt" and name in d:
            yield {k: v for k, v in d.items() if k != name}
        if typ in vb.VARINT_TYPES and label != "rep":
            for e in EDGES:
                yield dict(d, **{name: e})
        elif typ == "bytes" and label != "rep":
            if name in d:
                yield dict(d, **{name: d[name][:-1]})
                yield dict(d, **{name: d[name] + b"\0"})
            else:
                yield dict(d, **{name: bytes(31)})
                yield dict(d, **{name: bytes(32)})
        elif label == "rep" and d.get(name):
            yield dict(d, **{name: []})
            for n in (512, 513, 1500, 1501):  # the most heads and votes, and one more
                yield dict(d, **{name: [distinct(vb, d[name][0], typ, i) for i in range(n)]})
            yield dict(d, **{name: d[name][:1] + d[name]})
            yield dict(d, **{name: d[name][::-1]})
            if typ == "bytes":
                yield dict(d, **{name: [d[name][0][:-1]] + d[name][1:]})
            if typ in vb.VARINT_TYPES:  # a delegation's roles: each edge first
                for e in EDGES:
                    yield dict(d, **{name: [e] + d[name][1:]})
        if typ in vb.SCHEMA and d.get(name):
            if label == "rep":
                for sub in variants(vb, d[name][0], typ):
                    yield dict(d, **{name: [sub] + d[name][1:]})
            else:
                for sub in variants(vb, d[name], typ):
                    yield dict(d, **{name: sub})


def edges(vb, base, msg):
    """The variants of each base message that decodes, re-encoded."""
    out = []
    for b in base:
        try:
            d = vb.decode(b, msg)
        except vb.Bad:
            continue
        out.extend(encode(vb, v, msg) for v in variants(vb, d, msg))
    return out


def main(argv):
    genesis = len(argv) > 1 and argv[1] == "--genesis"
    if genesis:
        argv = argv[:1] + argv[2:]
    if len(argv) < 3 or len(argv) > 5:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    seed = int(argv[3]) if len(argv) > 3 else random.randrange(1 << 30)
    cases_n = int(argv[4]) if len(argv) > 4 else 2000
    print("seed %d" % seed)
    vb = load_verifier()
    rnd = random.Random(seed)
    with open(argv[1], "rb") as f:
        data = f.read()
    base = []
    for t, payload, _ in vb.records(data, []):
        if t == (1 if genesis else 2):
            base.append(payload if genesis else payload[4:4 + vb.u32(payload, 0)])
    cases = list(base) + edges(vb, base, "Genesis" if genesis else "Body")
    for _ in range(cases_n):
        b = rnd.choice(base)
        try:
            for _ in range(rnd.randrange(1, 3)):
                b = structural(vb, rnd, b) if rnd.random() < 0.5 else bytewise(rnd, b)
        except vb.Bad:
            pass  # a byte-wise mutation left nothing to split: keep b as it is
        cases.append(b)
    r = subprocess.run([argv[2], "decode"] + (["genesis"] if genesis else []), input="\n".join(c.hex() for c in cases) + "\n",
                       stdout=subprocess.PIPE, universal_newlines=True, errors="replace")
    verdicts = r.stdout.split("\n")[:-1]  # not splitlines: a message may hold \x0c
    if r.returncode or len(verdicts) != len(cases):
        print("bundletool decode failed (%d verdicts for %d cases)" % (len(verdicts), len(cases)))
        return 1
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "format-diff.%d.%s" % (os.getpid(), os.urandom(6).hex()))
    os.mkdir(tmp, 0o700)
    ver = vb.Verifier(tmp)
    bad = accepted = 0
    try:
        for body, theirs in zip(cases, verdicts):
            try:
                if genesis:
                    vb.genesis(body, ver)
                else:
                    vb.entry(body, b"\0" * 64, ver)
                mine, why = "ok", ""
            except vb.Bad as e:
                mine, why = "refused", str(e)
            accepted += theirs == "ok"
            if mine != theirs.split(":")[0]:
                bad += 1
                if bad <= 10:
                    print("disagree: the node says '%s', the verifier '%s' (%s), bytes %s"
                          % (theirs, mine, why, body.hex()))
    finally:
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)
    print("%d %s (%d accepted by the node), %d disagreement(s)"
          % (len(cases), "genesis messages" if genesis else "bodies", accepted, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
