/* text.h - text fields: valid UTF-8, bounded, without control or
 * invisible format characters.
 *
 * The rule, for every text field of an entry, card or genesis (a node
 * applies it to what it receives, entry_decode) and for what a person
 * types: the bytes are UTF-8 in its shortest form (no overlong forms, no
 * surrogates, nothing beyond U+10FFFF), and hold none of
 *   - control characters: C0 (U+0000-U+001F) but for TAB and LF where
 *     the flags allow them, DEL (U+007F), C1 (U+0080-U+009F: a terminal
 *     takes c2 9b for CSI and c2 9d for OSC);
 *   - bidirectional controls: U+061C, U+200E, U+200F, U+202A-U+202E,
 *     U+2066-U+2069 (they reorder what a reader sees);
 *   - invisible format characters: U+00AD, U+180E, U+200B, U+2028,
 *     U+2029, U+2060-U+2064, U+206A-U+206F, U+FEFF, U+FFF9-U+FFFB and
 *     the tags U+E0000-U+E007F (hidden text, or a line break a listing
 *     does not show);
 *   - noncharacters: U+FDD0-U+FDEF and U+xxFFFE, U+xxFFFF.
 * U+200C and U+200D (joiners) stay allowed: emoji sequences use them.
 */
#ifndef MUTUA_TEXT_H
#define MUTUA_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* flags: what a field may hold besides printable characters */
#define TEXT_LINE 0      /* one line: no TAB, no LF (titles, names) */
#define TEXT_MULTILINE 1 /* TAB and LF (descriptions, notes, reasons) */
#define TEXT_TAB 2       /* TAB in one line (a configuration line) */
/* A field of a signed entry, card or genesis as received: the rule of
 * format version 1 (valid UTF-8; no C0 control but TAB, and LF where
 * TEXT_MULTILINE; no DEL). The stricter rule above is what this node
 * signs and what people type; every node must keep accepting what older
 * nodes signed, or one member's old entry would cut its feed on the
 * upgraded nodes only, until a new format version says otherwise. */
#define TEXT_SIGNED 4

/* Where a text breaks the rule: the first fault. */
struct text_fault {
	size_t byte;      /* its offset in bytes, from 0 */
	size_t pos;       /* its position in characters, from 1 */
	uint32_t cp;      /* the code point, or the byte when not UTF-8 */
	const char *what; /* "control character", "bidirectional control",
			     "format character", "noncharacter", or NULL
			     when the bytes are not UTF-8 */
};

/* 0: s[0..len) is valid text; -1: it is not, and *f (when not NULL)
 * says where and why. */
int text_scan(const char *s, size_t len, int flags, struct text_fault *f);
/* Valid text of at most max bytes: 0, or -1. */
int text_utf8_check(const char *s, size_t len, size_t max, int flags);
/* The field what (named in the message) is NULL, or valid text of at
 * most max bytes; else -1 and a message naming the character and its
 * position ("title: control character U+0007 at position 4 ..."). */
int text_check(const char *what, const char *s, size_t max, int flags);

/* A copy of s fit for a terminal (malloc'd, NULL out of memory): bytes
 * that are not UTF-8, C0 controls and DEL become \xNN, and every other
 * character the rule refuses <U+XXXX>; TAB and LF are kept when flags
 * allow them. Stored data from older entries may still hold them. */
char *text_printable(const char *s, int flags);

#endif
