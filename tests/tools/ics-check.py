#!/usr/bin/env python3
"""ics-check.py FILE: a small strict reader of an iCalendar feed (RFC 5545),
written from the RFC for the tests (calendar_subscribe.bats, the browser
test). Refuses (exit 1, the reason on stderr): a line not ended by CRLF, a
bare CR or LF, a physical line over 75 octets, a folded line cut inside a
UTF-8 character, a content line without NAME:VALUE, BEGIN/END that do not
balance or name different components, anything outside one VCALENDAR,
a VCALENDAR without VERSION:2.0 and PRODID, a VEVENT without exactly one
UID, DTSTAMP, DTSTART and DTEND (UTC date-times, DTEND after DTSTART) and
SUMMARY, two VEVENTs with one UID, an unescaped ';' or ',' in a TEXT
value. Prints one line a VEVENT: UID TAB DTSTART TAB DTEND TAB SUMMARY
(unescaped)."""
import re
import sys


def die(why):
    sys.stderr.write("ics-check: %s\n" % why)
    sys.exit(1)


def unescape(v):
    out, i = [], 0
    while i < len(v):
        ch = v[i]
        if ch == "\\":
            if i + 1 >= len(v):
                die("a TEXT value ends with a backslash: %r" % v)
            nx = v[i + 1]
            if nx in "nN":
                out.append("\n")
            elif nx in "\\;,":
                out.append(nx)
            else:
                die("a bad escape \\%s in %r" % (nx, v))
            i += 2
            continue
        if ch in ";,":
            die("an unescaped %r in a TEXT value: %r" % (ch, v))
        out.append(ch)
        i += 1
    return "".join(out)


def main():
    data = open(sys.argv[1], "rb").read()
    if not data.endswith(b"\r\n"):
        die("the feed does not end with CRLF")
    phys = data[:-2].split(b"\r\n")
    lines = []
    for n, p in enumerate(phys, 1):
        if b"\r" in p or b"\n" in p:
            die("line %d: a bare CR or LF" % n)
        if len(p) > 75:
            die("line %d: %d octets (at most 75)" % (n, len(p)))
        try:
            text = p.decode("utf-8")
        except UnicodeDecodeError:
            die("line %d: not UTF-8 on its own (a fold inside a character?)" % n)
        if text.startswith((" ", "\t")):
            if not lines:
                die("line 1 is a continuation")
            lines[-1] += text[1:]
        else:
            lines.append(text)
    stack, cal_seen, events, uids = [], 0, [], set()
    ev = None
    cal = {}
    for ln in lines:
        m = re.match(r"^([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$", ln)
        if not m:
            die("not a content line: %r" % ln)
        name, value = m.group(1).upper(), m.group(3)
        if name == "BEGIN":
            if not stack and value != "VCALENDAR":
                die("%s outside VCALENDAR" % value)
            if value == "VCALENDAR":
                if stack or cal_seen:
                    die("a second or nested VCALENDAR")
                cal_seen = 1
            if value == "VEVENT":
                if stack != ["VCALENDAR"]:
                    die("a VEVENT not directly in the VCALENDAR")
                ev = {}
            stack.append(value)
            continue
        if name == "END":
            if not stack or stack[-1] != value:
                die("END:%s does not close %s" % (value, stack[-1] if stack else "anything"))
            stack.pop()
            if value == "VEVENT":
                for req in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
                    if len(ev.get(req, [])) != 1:
                        die("a VEVENT with %d %s" % (len(ev.get(req, [])), req))
                for t in ("DTSTAMP", "DTSTART", "DTEND"):
                    if not re.match(r"^\d{8}T\d{6}Z$", ev[t][0]):
                        die("%s is not a UTC date-time: %r" % (t, ev[t][0]))
                if ev["DTEND"][0] <= ev["DTSTART"][0]:
                    die("a VEVENT ends before it starts")
                if ev["UID"][0] in uids:
                    die("two VEVENTs with UID %s" % ev["UID"][0])
                uids.add(ev["UID"][0])
                events.append(ev)
                ev = None
            continue
        if not stack:
            die("a property outside VCALENDAR: %r" % ln)
        if stack[-1] == "VEVENT":
            if name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
                value = unescape(value)
            ev.setdefault(name, []).append(value)
        elif stack[-1] == "VCALENDAR":
            cal.setdefault(name, []).append(value)
    if stack:
        die("not closed: %s" % ", ".join(stack))
    if not cal_seen:
        die("no VCALENDAR")
    if cal.get("VERSION") != ["2.0"] or len(cal.get("PRODID", [])) != 1:
        die("the VCALENDAR lacks VERSION:2.0 or PRODID")
    for e in events:
        print("\t".join([e["UID"][0], e["DTSTART"][0], e["DTEND"][0], e["SUMMARY"][0]]))


main()
