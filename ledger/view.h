/* view.h - the read models: what the programs list, as named queries of
 * the ledger over its derived state (DESIGN.md, invariant 11: nothing
 * outside ledger/ speaks SQL).
 *
 * A view is a SELECT with positional parameters ?1, ?2 ... and named
 * result columns. The CLI prints its rows as a table, or with --json as
 * one JSON object a row; a column named NAME_json holds JSON text and is
 * embedded as NAME. The definitions live beside the rules they show
 * (view_lend.c, view_gov.c ...); a view restates no rule: it calls the
 * SQL functions and views the rules register (lending_register_sql ...).
 *
 * Usage:
 *	struct view_arg a[] = {VIEW_ID(member), VIEW_INT(now)};
 *	struct view_rows *r = view_open(s, &view_requests, a, 2, 0);
 *	while ((rc = view_next(r)) == 1)
 *		puts(view_text(r, 0));
 *	view_close(&r);   rc is 0 at the end of the rows, -1 on an error
 */
#ifndef MUTUA_VIEW_H
#define MUTUA_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct view {
	const char *name; /* for messages */
	const char *sql;
	/* parameters 6 and 7 search offers_fts: the index catches up with
	 * the rows changed first (search_catch_up), when the store can */
	int search;
};

enum view_arg_type { VIEW_ARG_NULL, VIEW_ARG_INT, VIEW_ARG_TEXT, VIEW_ARG_BLOB };

/* A parameter; the pointed-to bytes must live until view_close. */
struct view_arg {
	enum view_arg_type type;
	int64_t i;
	const void *p; /* text (NUL-terminated) or blob */
	size_t n;      /* blob length */
};

#define VIEW_NULL ((struct view_arg){VIEW_ARG_NULL, 0, NULL, 0})
#define VIEW_INT(x) ((struct view_arg){VIEW_ARG_INT, (int64_t)(x), NULL, 0})
/* NULL text binds SQL NULL */
static inline struct view_arg view_text_arg(const char *s)
{
	return (struct view_arg){s ? VIEW_ARG_TEXT : VIEW_ARG_NULL, 0, s, 0};
}
#define VIEW_TEXT(s) view_text_arg(s)
#define VIEW_BLOB(b, len) ((struct view_arg){VIEW_ARG_BLOB, 0, (b), (len)})
#define VIEW_ID(b) VIEW_BLOB((b), 32)

struct view_rows;

/* Opens the rows of v with nargs parameters. json: each row is one text
 * column holding the row as a JSON object (see above). NULL with err_set
 * (the view's name and SQLite's reason) on failure. */
struct view_rows *view_open(struct store *s, const struct view *v, const struct view_arg *args,
			    size_t nargs, int json);
/* 1: a row is current; 0: no more rows; -1: an error (err_set), never
 * taken for the end of the rows. */
int view_next(struct view_rows *r);
int view_columns(const struct view_rows *r);
const char *view_name(const struct view_rows *r, int col);
/* The column's index by name, or -1. */
int view_find(const struct view_rows *r, const char *name);
/* The current row's values; text is NULL for SQL NULL. */
const char *view_text(struct view_rows *r, int col);
int64_t view_int(struct view_rows *r, int col);
int view_is_null(struct view_rows *r, int col);
const void *view_blob(struct view_rows *r, int col, size_t *len);
void view_close(struct view_rows **r);

/* The first column of the first row as an integer: 1 found, 0 no row (or
 * SQL NULL), -1 error. */
int view_scalar(struct store *s, const struct view *v, const struct view_arg *args,
		size_t nargs, int64_t *out);
/* The same as text, malloc'd into *out (NULL for SQL NULL). */
int view_scalar_text(struct store *s, const struct view *v, const struct view_arg *args,
		     size_t nargs, char **out);

/* Name-or-prefix lookup, the one resolver of ids typed by people. ids is a
 * view of one 32-byte id column whose rows are those BETWEEN ?1 AND ?2.
 * prefix: at least 6 hex digits. Fills out with the one match; cand with
 * up to VIEW_CANDIDATES matches (hex) and *count with how many matched.
 * Returns 1 exactly one, 0 none, -2 ambiguous, -3 not an id prefix,
 * -1 error. */
#define VIEW_CANDIDATES 5
int view_resolve_id(struct store *s, const struct view *ids, const char *prefix,
		    uint8_t out[32], char cand[VIEW_CANDIDATES][65], int *count);
/* A member or an offer as a person names it (the rule is names.h's):
 * a name equal to one member's (folded), else an id prefix of at least
 * 6 hex digits, else a unique partial name. An offer is named by its id
 * prefix, else by its title (only offers not withdrawn). */
struct view_named {
	int count; /* how many matched */
	int near;  /* none matched: cand holds the names near the query */
	int exact; /* the matches are exact names (several bear it) */
	int ncand;
	struct {
		char id[65];
		char label[256]; /* the name, or "title (owner)" */
	} cand[VIEW_CANDIDATES];
};
/* Returns 1 one (out filled), 0 none (r->near: suggestions in cand), -2
 * several (listed in cand), -1 error. */
int view_resolve_member(struct store *s, const char *arg, uint8_t out[32],
			struct view_named *r);
int view_resolve_offer(struct store *s, const char *arg, uint8_t out[32],
		       struct view_named *r);

/* Registers the output functions the views call (view.c): mutua_time(ms
 * [, 'seconds'|'iso'|'sheet']), mutua_amount(hundredths) and
 * mutua_duration(ms): in the reader's style and local time for a table,
 * ISO 8601 with the local offset and plain numbers under --json; and
 * mutua_for_json(), 1 under --json. Called by store_open. */
int view_register_sql(struct store *s);

/* Local settings of this node (the meta table, keys "local.*"): malloc'd
 * value, or NULL when absent (1 / 0 / -1). */
int view_meta_get(struct store *s, const char *key, char **value);
int view_meta_set(struct store *s, const char *key, const char *value);

/* The views, by the area that defines them. */

/* view_lend.c: offers, requests, calendar, balances. Times are UTC ms;
 * a NULL parameter means "any". */
/* ids for view_resolve_id: offers (resources), requests (loans) */
extern const struct view view_offer_ids, view_loan_ids, view_block_ids;
/* the pending occurrences of the series of loan ?1 (or ?1 alone) */
extern const struct view view_series;
/* the pending requests that block ?1 conflicts with */
extern const struct view view_block_conflicts;
/* offers: ?1 kind, ?2 owner id, ?3 withdrawn ones too (0/1), ?4 ?5 a slot:
 * only those with capacity free over it, in column free; pending, the
 * requests waiting for an answer that meet it; blocked, the reasons of
 * the owner's blocks that meet it; slot, 'free' or 'pending requests';
 * ?6 words, ?7 a place: only the offers whose title, description and
 * location (?6) and location (?7) hold them (search.h) */
extern const struct view view_offers;
/* one offer: ?1 its id */
extern const struct view view_offer;
/* requests and loans: ?1 those this member owns (0/1), ?2 those it
 * borrows (0/1), ?3 the member's id, ?4 a state */
extern const struct view view_requests;
/* the newest 200 request ids held (bash completion) */
extern const struct view view_loan_recent;
/* the same, for the table: see view_lend.c */
extern const struct view view_requests_brief;
/* one request with every field, its terms and its reserve (?1 its id,
 * ?2 steps_json too), and its steps with their condition reports */
extern const struct view view_request, view_request_steps;
/* the steps of loan ?2 whose condition report names photo hash ?1 */
extern const struct view view_photo_steps;
/* A step's condition report in words ("meter 12345, fuel 75%, damage:
 * ..., 2 photos"), NULL none: SQL over loan_events alias v */
#define VIEW_REPORT_SQL(v) \
	"nullif(rtrim(coalesce('meter ' || " v ".meter || ', ', '')" \
	" || coalesce('fuel ' || " v ".fuel || '%, ', '')" \
	" || coalesce('damage: ' || " v ".damage || ', ', '')" \
	" || coalesce((SELECT nullif(count(*), 0) || ' photo(s)' FROM loan_photos p" \
	"  WHERE p.step = " v ".id), ''), ', '), '')"
/* loans holding their slot and the owner's blocks (state 'blocked', its
 * reason; the note only to the owner ?4) that meet [?1, ?2), ?3 of one
 * resource */
extern const struct view view_calendar;
/* how many requests waiting for an answer meet [?1, ?2), ?3 of one resource */
extern const struct view view_calendar_pending;
/* the weekly series the calendar [?1, ?2) (?3 one resource) meets */
extern const struct view view_calendar_series;
/* each member's credits: ?1 one member */
extern const struct view view_balances;
/* closed loans settled in [?1, ?2), the columns of the CSV export */
extern const struct view view_settled_loans;

/* view_gov.c: federation, members, proposals */
extern const struct view view_fed_show;            /* ?1..?8: see view_gov.c */
extern const struct view view_fed_members;
extern const struct view view_fed_loans_to_settle;
extern const struct view view_entry_log;           /* ?1 author or NULL, ?2 limit */
extern const struct view view_proposal_ids;
extern const struct view view_proposals;           /* ?1 now, ?2 open only */

/* view_node.c: feeds, status, peers, log */
extern const struct view view_feeds;
extern const struct view view_heads; /* each member's feeds: head, last time */
extern const struct view view_status;
extern const struct view view_daemon;
extern const struct view view_daemon_peers;
extern const struct view view_integrity;
extern const struct view view_doctor;
/* The feeds the sync holds (budgets, stops: store.c), and the members
 * stopped; HOLDS_SQL is its query, view_status embeds it. */
extern const struct view view_feed_holds;
#define HOLDS_SQL                                                                       \
	"SELECT coalesce(m.name, '?') AS name, lower(hex(h.member)) AS member,"          \
	" lower(hex(h.author)) AS feed, h.why AS why, h.seq AS seq, h.entries AS entries," \
	" h.bytes AS bytes, strftime('%Y-%m-%dT%H:%M:%SZ', h.since / 1000, 'unixepoch')"  \
	" AS since, CASE WHEN h.reopens IS NOT NULL THEN strftime('%Y-%m-%dT%H:%M:%SZ',"  \
	" h.reopens / 1000, 'unixepoch') END AS reopens FROM feed_holds h"               \
	" LEFT JOIN members m ON m.id = h.member"                                         \
	" UNION ALL SELECT coalesce(m.name, '?'), lower(hex(s.member)), NULL, 'stopped',"  \
	" NULL, 0, 0, strftime('%Y-%m-%dT%H:%M:%SZ', s.since / 1000, 'unixepoch'), NULL"  \
	" FROM feed_stops s LEFT JOIN members m ON m.id = s.member"                       \
	" WHERE NOT EXISTS (SELECT 1 FROM feed_holds x WHERE x.member = s.member)"
/* ?1 a member: the highest seq of its feed another member has witnessed */
extern const struct view view_feed_witnessed;

/* view_report.c: the board's report; ?1, ?2 the period (ms, [from, to)) */
extern const struct view view_report_members;
extern const struct view view_report_figures;
extern const struct view view_report_not_lent;
extern const struct view view_report_flows;
extern const struct view view_report_balances;
extern const struct view view_report_top_loans;
extern const struct view view_report_top_usage;
extern const struct view view_report_loans;     /* ?3 at most so many rows */
extern const struct view view_report_cancelled; /* ?3 at most so many rows */
extern const struct view view_report_history;   /* no parameter */
extern const struct view view_report_blocks;    /* ?3 at most so many rows */
extern const struct view view_report_written;   /* report --json */

#endif
