/* booking.c - the booking rule (booking.h). */
#include "booking.h"
#include "governance.h"
#include "lending.h"
#include "loan.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A place in a member's feed order held in column i (resources.withdrawn):
 * INT64_MAX when NULL, as booking_withdrawn takes it. */
int64_t booking_column_place(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(st, i);
}

const char *booking_withdrawn(int64_t withdrawn, int64_t position)
{
	return withdrawn < position ? "the resource is withdrawn" : NULL;
}

struct span {
	int64_t start, end, q;
	uint8_t id[32];
};

static int span_edge_cmp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	/* by time; at one instant ends (-q) before starts (+q): [a, b) */
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

/* The most quantity in use at any instant of [start, end) by holding loans
 * of resource other than skip; *peak_loan names one loan in use then. */
static int64_t peak_use(struct store *s, const uint8_t *resource, int64_t start,
			int64_t end, const uint8_t *skip, uint8_t *peak_loan, int *has_peak)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, start_ms, end_ms, quantity FROM loans"
					 " WHERE resource = ? AND mutua_holds(state)"
					 " AND start_ms < ? AND end_ms > ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, end);
	sqlite3_bind_int64(st, 3, start);
	size_t n = 0, cap = 0;
	struct span *sp = NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (skip && memcmp(sqlite3_column_blob(st, 0), skip, 32) == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			void *more = realloc(sp, cap * sizeof *sp);
			if (!more) {
				free(sp);
				sqlite3_reset(st);
				return err_set("out of memory");
			}
			sp = more;
		}
		memcpy(sp[n].id, sqlite3_column_blob(st, 0), 32);
		sp[n].start = sqlite3_column_int64(st, 1) < start ? start : sqlite3_column_int64(st, 1);
		sp[n].end = sqlite3_column_int64(st, 2) > end ? end : sqlite3_column_int64(st, 2);
		sp[n].q = sqlite3_column_int64(st, 3);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(sp);
		return store_db_error(s);
	}
	/* sweep: edges (time, delta, index) */
	int64_t (*edge)[3] = malloc((2 * n + 1) * sizeof *edge), use = 0, peak = 0;
	if (!edge) {
		free(sp);
		return err_set("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		edge[2 * i][0] = sp[i].start;
		edge[2 * i][1] = sp[i].q;
		edge[2 * i][2] = (int64_t)i;
		edge[2 * i + 1][0] = sp[i].end;
		edge[2 * i + 1][1] = -sp[i].q;
		edge[2 * i + 1][2] = (int64_t)i;
	}
	qsort(edge, 2 * n, sizeof *edge, span_edge_cmp);
	*has_peak = 0;
	for (size_t i = 0; i < 2 * n; i++) {
		use += edge[i][1];
		if (use > peak) {
			peak = use;
			if (peak_loan)
				memcpy(peak_loan, sp[edge[i][2]].id, 32);
			*has_peak = 1;
		}
	}
	free(edge);
	free(sp);
	return peak;
}

int booking_fits(struct store *s, const uint8_t resource[32], int64_t start, int64_t end,
		 int64_t quantity, int64_t capacity, const uint8_t *skip, char *why, size_t n,
		 uint8_t conflict[32])
{
	if (quantity > capacity) {
		snprintf(why, n, "quantity %lld is above the resource's capacity %lld",
			 (long long)quantity, (long long)capacity);
		return 0;
	}
	int has;
	int64_t peak = peak_use(s, resource, start, end, skip, conflict, &has);
	if (peak < 0)
		return -1;
	if (peak + quantity <= capacity)
		return 1;
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, conflict, 32);
	snprintf(why, n, "conflict: the slot would exceed capacity %lld (%lld in use by "
		 "loans such as %.12s)", (long long)capacity, (long long)peak, hex);
	return 0;
}

int64_t booking_free(struct store *s, const uint8_t resource[32], int64_t start, int64_t end)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT capacity, withdrawn FROM resources WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : store_db_error(s);
	}
	int64_t cap = sqlite3_column_int64(st, 0);
	int64_t withdrawn = booking_column_place(st, 1);
	sqlite3_reset(st);
	if (booking_withdrawn(withdrawn, INT64_MAX))
		return 0;
	int has;
	int64_t peak = peak_use(s, resource, start, end, NULL, NULL, &has);
	if (peak < 0)
		return -1;
	return cap > peak ? cap - peak : 0;
}

int booking_check(struct store *s, const uint8_t request[32], const uint8_t *by,
		  struct booking_check *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s,
		"SELECT l.resource, l.start_ms, l.end_ms, l.quantity, l.state, l.borrower,"
		" r.capacity, r.owner, r.withdrawn FROM loans l"
		" LEFT JOIN resources r ON r.id = l.resource WHERE l.id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_db_error(s);
		snprintf(out->why, sizeof out->why, "no such request");
		return 0;
	}
	uint8_t resource[32], borrower[32];
	memcpy(resource, sqlite3_column_blob(st, 0), 32);
	int64_t start = sqlite3_column_int64(st, 1), end = sqlite3_column_int64(st, 2);
	int64_t q = sqlite3_column_int64(st, 3), cap = sqlite3_column_int64(st, 6);
	char state[32];
	snprintf(state, sizeof state, "%s", sqlite3_column_text(st, 4));
	memcpy(borrower, sqlite3_column_blob(st, 5), 32);
	int known = sqlite3_column_bytes(st, 7) == 32;
	enum loan_party party = !by || (known && memcmp(sqlite3_column_blob(st, 7), by, 32) == 0)
				? LOAN_OWNER : memcmp(borrower, by, 32) == 0 ? LOAN_BORROWER
				: LOAN_OTHER;
	int64_t withdrawn = booking_column_place(st, 8);
	sqlite3_reset(st);

	if (!known) {
		snprintf(out->why, sizeof out->why, "the resource is unknown to this node");
		return 0;
	}
	enum loan_state ls;
	if (loan_state_parse(state, &ls))
		return -1;
	const char *refused = loan_step_check(ls, LOAN_ACCEPT, party, NULL);
	if (refused) {
		snprintf(out->why, sizeof out->why, "%s", refused);
		return 0;
	}
	/* an accept appended now follows every entry of the owner's feed */
	const char *gone = booking_withdrawn(withdrawn, INT64_MAX);
	if (gone) {
		snprintf(out->why, sizeof out->why, "%s", gone);
		return 0;
	}
	/* the request confirms the offer's terms as they stand now (loan.h) */
	int err;
	const char *terms = lending_terms_refusal(s, request, INT64_MAX, out->why,
						  sizeof out->why, &err);
	if (err < 0)
		return -1;
	if (terms)
		return 0;
	int fits = booking_fits(s, resource, start, end, q, cap, request, out->why,
				sizeof out->why, out->conflict);
	if (fits < 0)
		return -1;
	if (!fits) {
		out->has_conflict = q <= cap;
		return 0;
	}
	int64_t limit;
	if (governance_param_get(s, "credit-limit", &limit))
		return -1;
	if (limit > 0) {
		int64_t bal, com;
		if (lending_balance(s, borrower, &bal, NULL) ||
		    lending_committed(s, borrower, request, &com))
			return -1;
		int64_t after = bal - com;
		if (after < -limit) {
			char a[32], l[32];
			amount_format(a, after);
			amount_format(l, -limit);
			out->credit = 1;
			snprintf(out->why, sizeof out->why,
				 "credit limit: the borrower's balance would reach %s, below %s", a, l);
			return 0;
		}
	}
	return 1;
}

int booking_can_accept(struct store *s, const uint8_t request[32], struct booking_check *out)
{
	return booking_check(s, request, NULL, out);
}
