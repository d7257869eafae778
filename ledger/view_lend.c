/* view_lend.c - the read models of lending (view.h): offers, requests,
 * the calendar, balances and the settled loans of the CSV export, and the
 * ids that offer and request prefixes resolve among. The columns are those
 * the CLI prints (their names are the JSON fields of --json); what a
 * column derives from is the fold's (lending.c, fold.c); mutua_free,
 * mutua_conflict and mutua_withdrawn are the booking rule's, mutua_holds
 * the loan table's (lending_register_sql), and a balance is the sum of a
 * member's settlements (lending.h).
 */
#include "view.h"

/* A time held in UTC ms as the reader reads it: local time with its
 * offset, ISO 8601 with the offset under --json (mutua_time, view.c) */
#define ISO(col) "mutua_time(" col ")"

const struct view view_offer_ids = {
	"offer ids", "SELECT id FROM resources WHERE id BETWEEN ?1 AND ?2"};

const struct view view_loan_ids = {
	"request ids", "SELECT id FROM loans WHERE id BETWEEN ?1 AND ?2"};

/* Every offer field, for list and show; free: the capacity left over a
 * slot, when one is asked (the expression given). */
#define OFFER_SELECT(free) \
	"SELECT lower(hex(r.id)) AS id, lower(hex(r.owner)) AS owner," \
	" m.name AS owner_name, r.kind AS kind, r.title AS title, r.unit AS unit," \
	" r.capacity AS capacity, mutua_amount(r.rate) AS rate, r.location AS location," \
	" r.status AS status, r.description AS description," \
	" r.auto_accept AS auto_accept," \
	" mutua_time(r.created, 'seconds') AS created," \
	" mutua_time(r.updated, 'seconds') AS updated," \
	" " free " AS free" \
	" FROM resources r JOIN members m ON m.id = r.owner"

const struct view view_offers = {
	"offers",
	OFFER_SELECT("CASE WHEN ?4 IS NOT NULL THEN mutua_free(r.id, ?4, ?5) END")
	" WHERE (?1 IS NULL OR r.kind = ?1) AND (?2 IS NULL OR r.owner = ?2)"
	" AND (?3 OR NOT mutua_withdrawn(r.withdrawn))"
	" AND (?4 IS NULL OR mutua_free(r.id, ?4, ?5) > 0)"
	" ORDER BY m.name, r.title, r.id"};

const struct view view_offer = {"offer", OFFER_SELECT("NULL") " WHERE r.id = ?1"};

const struct view view_requests = {
	"requests",
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource,"
	" r.title AS resource_title, lower(hex(l.owner)) AS owner,"
	" mo.name AS owner_name, lower(hex(l.borrower)) AS borrower,"
	" mb.name AS borrower_name, " ISO("l.start_ms") " AS \"from\","
	" " ISO("l.end_ms") " AS \"to\", l.quantity AS quantity,"
	" l.state AS state, l.usage / 1000.0 AS usage, coalesce(l.unit, r.unit) AS unit,"
	" mutua_amount(l.credits) AS credits, l.reason AS reason, l.note AS note,"
	" CASE WHEN l.state = 'requested' THEN mutua_conflict(l.id) END AS conflict,"
	" mutua_amount(l.agreed_rate) AS agreed_rate, l.claim / 1000.0 AS usage_claimed,"
	" l.state = 'disputed' AS disputed"
	" FROM loans l LEFT JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner"
	" LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE ((?1 AND l.owner = ?3) OR (?2 AND l.borrower = ?3))"
	" AND (?4 IS NULL OR l.state = ?4)"
	" ORDER BY l.start_ms, l.id"};

/* The requests table (tools/cmd_lend.c prints it to fit 100 columns):
 * the parameters of view_requests; mine: 1 when this member owns the
 * resource; other: the other member's name; the slot in ms; credits in
 * hundredths, claim in thousandths; why: a refusal's reason. */
const struct view view_requests_brief = {
	"requests",
	"SELECT lower(hex(l.id)) AS id, coalesce(r.title, '?') AS title, l.quantity AS quantity,"
	" l.owner = ?3 AS mine,"
	" coalesce(CASE WHEN l.owner = ?3 THEN mb.name ELSE mo.name END, '?') AS other,"
	" l.start_ms AS start_ms, l.end_ms AS end_ms, l.state AS state,"
	" l.credits AS credits, l.reason AS reason,"
	" CASE WHEN l.state = 'requested' THEN mutua_conflict(l.id) END AS conflict,"
	" l.claim AS claim, coalesce(l.unit, r.unit) AS unit"
	" FROM loans l LEFT JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner"
	" LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE ((?1 AND l.owner = ?3) OR (?2 AND l.borrower = ?3))"
	" AND (?4 IS NULL OR l.state = ?4)"
	" ORDER BY l.start_ms, l.id"};

/* The requests held, newest first (at most 200): completion's ids. */
const struct view view_loan_recent = {
	"recent requests", "SELECT lower(hex(id)) AS id FROM loans ORDER BY requested DESC"
			   " LIMIT 200"};

/* One loan's steps, the request first: ?1 its id. */
#define STEPS_OF(req) \
	" FROM (SELECT q.requested AS t, 0 AS o, 'request' AS type, q.borrower AS author," \
	"  NULL AS usage, NULL AS rate, q.note AS note, NULL AS verdict, q.id AS k" \
	"  FROM loans q WHERE q.id = " req \
	"  UNION ALL SELECT e.time, 1, e.type, e.author, e.usage, e.rate, e.note, e.verdict," \
	"  e.id FROM loan_events e WHERE e.request = " req ") e" \
	" LEFT JOIN members m ON m.id = e.author ORDER BY e.t, e.o, e.k"
#define STEP_COLUMNS \
	ISO("e.t") " AS time, e.type AS step, coalesce(m.name, '?') AS by," \
	" lower(hex(e.author)) AS by_id, e.usage / 1000.0 AS usage, e.rate / 100.0 AS rate," \
	" e.note AS note, e.verdict AS verdict"

const struct view view_request_steps = {
	"request steps", "SELECT " STEP_COLUMNS STEPS_OF("?1")};

/* One request, every field; ?2 1: with its steps as steps_json (--json). */
const struct view view_request = {
	"request",
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource,"
	" r.title AS resource_title, lower(hex(l.owner)) AS owner,"
	" mo.name AS owner_name, lower(hex(l.borrower)) AS borrower,"
	" mb.name AS borrower_name, " ISO("l.start_ms") " AS \"from\","
	" " ISO("l.end_ms") " AS \"to\", l.quantity AS quantity,"
	" l.state AS state, " ISO("l.requested") " AS requested,"
	" " ISO("l.decided") " AS decided, " ISO("l.closed") " AS closed,"
	" l.usage / 1000.0 AS usage, coalesce(l.unit, r.unit) AS unit,"
	" l.agreed_rate / 100.0 AS agreed_rate, l.rate / 100.0 AS rate,"
	" l.credits / 100.0 AS credits, l.claim / 1000.0 AS usage_claimed,"
	" l.reason AS reason, l.note AS note,"
	" CASE WHEN l.state = 'requested' THEN mutua_conflict(l.id) END AS conflict,"
	" l.ignored AS ignored_steps,"
	" CASE WHEN ?2 THEN (SELECT json_group_array(json_object('time', time, 'step', step,"
	"  'by', by, 'by_id', by_id, 'usage', usage, 'rate', rate, 'note', note,"
	"  'verdict', verdict)) FROM (SELECT " STEP_COLUMNS STEPS_OF("l.id") ")) END"
	"  AS steps_json"
	" FROM loans l LEFT JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner"
	" LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE l.id = ?1"};

/* The loans that hold their resource's capacity. */
const struct view view_calendar = {
	"calendar",
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource,"
	" r.title AS resource_title, mo.name AS owner_name, mb.name AS borrower_name,"
	" " ISO("l.start_ms") " AS \"from\", " ISO("l.end_ms") " AS \"to\","
	" l.quantity AS quantity, l.state AS state, l.start_ms AS start_ms,"
	" l.end_ms AS end_ms, l.note AS note, r.location AS location"
	" FROM loans l JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE mutua_holds(l.state)"
	" AND l.end_ms > ?1 AND l.start_ms < ?2 AND (?3 IS NULL OR l.resource = ?3)"
	" ORDER BY r.title, l.start_ms, l.id"};

/* How many requests still wait for an answer over [?1, ?2), ?3 of one
 * resource: the calendar says so, since they hold nothing yet. */
const struct view view_calendar_pending = {
	"pending requests",
	"SELECT count(*) FROM loans l WHERE l.state = 'requested'"
	" AND l.end_ms > ?1 AND l.start_ms < ?2 AND (?3 IS NULL OR l.resource = ?3)"};

const struct view view_balances = {
	"balances",
	"SELECT lower(hex(m.id)) AS member, m.name AS name,"
	" mutua_amount(coalesce(b.balance, 0)) AS balance,"
	" mutua_amount(coalesce(b.lent, 0)) AS lent,"
	" mutua_amount(coalesce(b.borrowed, 0)) AS borrowed, coalesce(b.n, 0) AS loans"
	" FROM members m LEFT JOIN (SELECT member, sum(credits) AS balance,"
	"  sum(lent) AS lent, sum(borrowed) AS borrowed, count(*) AS n"
	"  FROM settlements GROUP BY member) b ON b.member = m.id"
	" WHERE ?1 IS NULL OR m.id = ?1 ORDER BY m.name"};

const struct view view_settled_loans = {
	"settled loans",
	"SELECT lower(hex(l.id)) AS loan, mutua_time(l.closed, 'iso') AS settled,"
	" lower(hex(l.resource)) AS resource, r.title AS title, r.kind AS kind,"
	" coalesce(l.unit, r.unit) AS unit, lower(hex(l.owner)) AS owner, mo.name AS owner_name,"
	" lower(hex(l.borrower)) AS borrower, mb.name AS borrower_name,"
	" mutua_time(l.start_ms, 'iso') AS \"from\", mutua_time(l.end_ms, 'iso') AS \"to\","
	" l.quantity AS quantity, printf('%.3f', l.usage / 1000.0) AS usage,"
	" printf('%.2f', l.rate / 100.0) AS rate, printf('%.2f', l.credits / 100.0) AS credits,"
	" mutua_time(l.closed, 'sheet') AS settled_local,"
	" mutua_time(l.start_ms, 'sheet') AS from_local, mutua_time(l.end_ms, 'sheet') AS to_local"
	" FROM settled_loans l JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE l.closed >= ?1 AND l.closed < ?2"
	" ORDER BY l.closed, l.id"};
