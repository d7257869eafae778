/* ical.h - the one iCalendar (RFC 5545) writer: `mutua calendar --ics`,
 * and the calendar subscriptions the web page serves (icalsub.h).
 *
 * A VCALENDAR of the loans that hold their resource's capacity and the
 * owner's blocks (view_calendar), over [from, to): of one resource, of
 * the loans one staff person acted on (asked for, accepted, handed over
 * ... as acts under their delegation; blocks are not theirs), or of
 * the member's whole calendar. Lines end in CRLF and are folded at 75
 * octets without splitting a UTF-8 character; TEXT values are escaped
 * (3.3.11) after text_printable; times are UTC ("...Z"), so no
 * VTIMEZONE is needed. A loan's UID is its request's id "@mutua", a
 * block's its entry id, a weekly series one event (RRULE and an EXDATE
 * for each week that does not hold) under the series' id: stable across
 * fetches, so a calendar client updates events rather than doubling
 * them. DTSTAMP is now. Summaries and descriptions are in the caller's
 * language (_()).
 */
#ifndef MUTUA_ICAL_H
#define MUTUA_ICAL_H

#include <stdint.h>
#include <stdio.h>

struct store;

struct ical_what {
	int64_t from, to;           /* the window (0, INT64_MAX: all) */
	const uint8_t *resource;    /* 32 bytes: one resource; NULL: any */
	const uint8_t *person;      /* 32 bytes: a staff delegation's id, its
				     * person's loans; NULL: any */
	const uint8_t *me;          /* the member reading: its blocks' notes */
};

/* Writes the whole calendar to f. 0, or -1 with err_set (a calendar cut
 * short has no END:VCALENDAR: it reads as broken). */
int ical_write(struct store *s, FILE *f, const struct ical_what *what, int64_t now);

#endif
