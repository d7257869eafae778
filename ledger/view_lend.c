/* view_lend.c - the read models of lending (view.h): offers, requests,
 * the calendar, balances and the settled loans of the CSV export, and the
 * ids that offer and request prefixes resolve among. The columns are those
 * the CLI prints (their names are the JSON fields of --json); what a
 * column derives from is the fold's (lending.c, fold.c); mutua_free,
 * mutua_conflict and mutua_withdrawn are the booking rule's, mutua_holds
 * the loan table's (lending_register_sql), mutua_search the catalogue's
 * (search.h), and a balance is the sum of a
 * member's settlements (lending.h).
 */
#include "staff.h"
#include "view.h"

/* A time held in UTC ms as the reader reads it: local time with its
 * offset, ISO 8601 with the offset under --json (mutua_time, view.c) */
#define ISO(col) "mutua_time(" col ")"

const struct view view_offer_ids = {
	"offer ids", "SELECT id FROM resources WHERE id BETWEEN ?1 AND ?2"};

const struct view view_loan_ids = {
	"request ids", "SELECT id FROM loans WHERE id BETWEEN ?1 AND ?2"};

const struct view view_block_ids = {
	"block ids", "SELECT id FROM blocks WHERE id BETWEEN ?1 AND ?2"};

/* The occurrences of the series that loan ?1 belongs to, still pending
 * (requested or waiting), in their order; ?1 itself when it is no series. */
const struct view view_series = {
	"series",
	"SELECT lower(hex(o.id)) AS id, o.state AS state FROM loans l JOIN loans o"
	" ON (l.series IS NOT NULL AND o.series = l.series) OR (l.series IS NULL AND o.id = l.id)"
	" WHERE l.id = ?1 AND o.state IN ('requested', 'waiting')"
	" ORDER BY o.occurrence, o.id"};

/* The pending requests a block (?1) now conflicts with (booking rule). */
const struct view view_block_conflicts = {
	"block conflicts",
	"SELECT lower(hex(l.id)) AS id, mb.name AS borrower_name,"
	" " ISO("l.start_ms") " AS \"from\", " ISO("l.end_ms") " AS \"to\""
	" FROM blocks b JOIN loans l ON l.resource = b.resource"
	" LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE b.id = ?1 AND l.state = 'requested' AND l.start_ms < b.end_ms"
	" AND l.end_ms > b.start_ms AND mutua_conflict(l.id) IS NOT NULL"
	" ORDER BY l.start_ms, l.id"};

/* Every offer field, for list and show; free: the capacity left over a
 * slot, when one is asked (the expression given). */
#define OFFER_SELECT(free) \
	"SELECT lower(hex(r.id)) AS id, lower(hex(r.owner)) AS owner," \
	" m.name AS owner_name, r.kind AS kind, r.title AS title, r.unit AS unit," \
	" r.capacity AS capacity, mutua_amount(r.rate) AS rate, r.location AS location," \
	" r.status AS status, r.description AS description," \
	" r.auto_accept AS auto_accept, r.conditions AS conditions," \
	" r.requires AS requires, mutua_amount(r.deposit) AS deposit," \
	" mutua_time(r.created, 'seconds') AS created," \
	" mutua_time(r.updated, 'seconds') AS updated," \
	" " free " FROM resources r JOIN members m ON m.id = r.owner"

/* Over a slot (?4, ?5): the pending requests that meet it, and the
 * reasons of the owner's blocks that meet it (never their notes). */
#define OFFER_SLOT \
	" AS free, CASE WHEN ?4 IS NOT NULL THEN (SELECT count(*) FROM loans p WHERE" \
	" p.resource = r.id AND p.state IN ('requested', 'waiting')" \
	" AND p.start_ms < ?5 AND p.end_ms > ?4) END AS pending," \
	" CASE WHEN ?4 IS NOT NULL THEN (SELECT group_concat(reason, ' ') FROM" \
	" (SELECT DISTINCT b.reason FROM held_blocks b WHERE b.resource = r.id" \
	" AND b.start_ms < ?5 AND b.end_ms > ?4 ORDER BY b.reason)) END AS blocked," \
	" CASE WHEN ?4 IS NULL THEN NULL WHEN EXISTS (SELECT 1 FROM loans p WHERE" \
	" p.resource = r.id AND p.state IN ('requested', 'waiting')" \
	" AND p.start_ms < ?5 AND p.end_ms > ?4) THEN 'pending requests' ELSE 'free' END" \
	" AS slot"

const struct view view_offers = {
	"offers",
	OFFER_SELECT("CASE WHEN ?4 IS NOT NULL THEN mutua_free(r.id, ?4, ?5) END" OFFER_SLOT)
	" WHERE (?1 IS NULL OR r.kind = ?1) AND (?2 IS NULL OR r.owner = ?2)"
	" AND (?3 OR NOT mutua_withdrawn(r.withdrawn))"
	" AND (?4 IS NULL OR mutua_free(r.id, ?4, ?5) > 0)"
	" AND (mutua_search(?6, ?7) IS NULL OR r.rowid IN (SELECT rowid FROM offers_fts"
	"  WHERE offers_fts MATCH mutua_search(?6, ?7)))"
	" ORDER BY m.name, r.title, r.id", 1};

const struct view view_offer = {"offer", OFFER_SELECT("NULL AS free") " WHERE r.id = ?1"};

/* A pending request's conflict: why the booking rule cannot accept it
 * now (loan.h), over loans l. */
#define CONFLICT_SQL "CASE WHEN l.state IN ('requested', 'waiting') THEN mutua_conflict(l.id) END"
/* The other pending requests l competes with, by the first DIGITS hex
 * digits of their ids: the two do not both fit in what the booking rule
 * leaves free where they meet. */
#define COMPETES_SQL(digits) \
	"CASE WHEN l.state IN ('requested', 'waiting') THEN (SELECT group_concat(" \
	" substr(lower(hex(p.id)), 1, " digits "), ' ') FROM loans p" \
	" WHERE p.resource = l.resource AND p.id <> l.id" \
	" AND p.state IN ('requested', 'waiting')" \
	" AND p.start_ms < l.end_ms AND p.end_ms > l.start_ms" \
	" AND p.quantity + l.quantity > mutua_free(l.resource, max(p.start_ms, l.start_ms)," \
	" min(p.end_ms, l.end_ms))) END"
/* A week of a series: "3/12", NULL for a single slot. */
#define OCCURRENCE_SQL \
	"CASE WHEN l.series IS NOT NULL THEN (l.occurrence + 1) || '/' || l.occurrences END"
/* The loans of view_requests' parameters, in slot order. */
#define REQUESTS_OF \
	" FROM loans l LEFT JOIN resources r ON r.id = l.resource" \
	" LEFT JOIN members mo ON mo.id = l.owner" \
	" LEFT JOIN members mb ON mb.id = l.borrower" \
	" WHERE ((?1 AND l.owner = ?3) OR (?2 AND l.borrower = ?3))" \
	" AND (?4 IS NULL OR l.state = ?4)" \
	" ORDER BY l.start_ms, l.id"

const struct view view_requests = {
	"requests",
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource,"
	" r.title AS resource_title, lower(hex(l.owner)) AS owner,"
	" mo.name AS owner_name, lower(hex(l.borrower)) AS borrower,"
	" mb.name AS borrower_name, " ISO("l.start_ms") " AS \"from\","
	" " ISO("l.end_ms") " AS \"to\", l.quantity AS quantity,"
	" l.state AS state, l.usage / 1000.0 AS usage, coalesce(l.unit, r.unit) AS unit,"
	" mutua_amount(l.credits) AS credits, l.reason AS reason, l.note AS note,"
	" " CONFLICT_SQL " AS conflict,"
	" mutua_amount(l.agreed_rate) AS agreed_rate, l.claim / 1000.0 AS usage_claimed,"
	" l.state = 'disputed' AS disputed,"
	" " COMPETES_SQL("12") " AS competes,"
	" l.wait AS wait,"
	/* its place on the owner's waitlist (loans.waited, the owner's order),
	 * and whether it fits now */
	" CASE WHEN l.state = 'waiting' THEN (SELECT count(*) + 1 FROM loans w"
	"  WHERE w.resource = l.resource AND w.state = 'waiting'"
	"  AND (w.waited < l.waited OR (w.waited = l.waited AND w.id < l.id))) END"
	"  AS waitlist_place,"
	" CASE WHEN l.state = 'waiting' THEN CASE WHEN mutua_conflict(l.id) IS NULL"
	"  THEN 'now possible' ELSE 'waiting' END END AS waitlist,"
	" lower(hex(l.series)) AS series,"
	" " OCCURRENCE_SQL " AS occurrence,"
	" " STAFF_BY_SQL("coalesce(l.series, l.id)") " AS by_json"
	REQUESTS_OF};

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
	" " CONFLICT_SQL " AS conflict,"
	" l.claim AS claim, coalesce(l.unit, r.unit) AS unit,"
	" " COMPETES_SQL("8") " AS competes,"
	" CASE WHEN l.state = 'waiting' AND mutua_conflict(l.id) IS NULL THEN 1 END AS possible,"
	" " OCCURRENCE_SQL " AS occurrence,"
	" " STAFF_LOAN_BY_SQL("l") " AS by"
	REQUESTS_OF};

/* The requests held, newest first (at most 200): completion's ids. */
const struct view view_loan_recent = {
	"recent requests", "SELECT lower(hex(id)) AS id FROM loans ORDER BY requested DESC"
			   " LIMIT 200"};

/* One loan's steps, the request first, with their condition reports: ?1
 * its id. */
#define STEPS_OF(req) \
	" FROM (SELECT q.requested AS t, 0 AS o, 'request' AS type, q.borrower AS author," \
	"  NULL AS usage, NULL AS rate, q.note AS note, NULL AS verdict, NULL AS meter," \
	"  NULL AS fuel, NULL AS damage, NULL AS forfeit, coalesce(q.series, q.id) AS id" \
	"  FROM loans q WHERE q.id = " req \
	"  UNION ALL SELECT e.time, 1, e.type, e.author, e.usage, e.rate, e.note, e.verdict," \
	"  e.meter, e.fuel, e.damage, e.forfeit, e.id FROM loan_events e" \
	"  WHERE e.request = " req ") e" \
	" LEFT JOIN members m ON m.id = e.author ORDER BY e.t, e.o, e.id"
#define STEP_COLUMNS \
	ISO("e.t") " AS time, e.type AS step, coalesce(m.name, '?') AS by," \
	" lower(hex(e.author)) AS by_id, e.usage / 1000.0 AS usage, mutua_amount(e.rate) AS rate," \
	" e.note AS note, e.verdict AS verdict, e.meter AS meter, e.fuel AS fuel," \
	" e.damage AS damage, mutua_amount(e.forfeit) AS forfeit," \
	" " VIEW_REPORT_SQL("e") " AS report," \
	" (SELECT json_group_array(lower(hex(p.hash))) FROM loan_photos p" \
	"  WHERE p.step = e.id) AS photos_json," \
	" " STAFF_BY_SQL("e.id") " AS by_staff_json"

const struct view view_request_steps = {
	"request steps", "SELECT " STEP_COLUMNS STEPS_OF("?1")};

/* One request, every field, its terms and what it reserves of the
 * borrower's credit limit; ?2 1: with its steps as steps_json (--json). */
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
	" mutua_amount(l.agreed_rate) AS agreed_rate, mutua_amount(l.rate) AS rate,"
	" mutua_amount(l.credits) AS credits, l.claim / 1000.0 AS usage_claimed,"
	" nullif(l.requires, '') AS requires,"
	" CASE WHEN l.conditions IS NOT NULL THEN 'confirmed' END AS conditions,"
	" mutua_amount(nullif(l.deposit, 0)) AS deposit, l.estimate / 1000.0 AS estimate,"
	" mutua_amount(l.reserve) AS reserve, mutua_amount(l.forfeit) AS forfeit,"
	" l.reason AS reason, l.note AS note,"
	" " CONFLICT_SQL " AS conflict,"
	" l.ignored AS ignored_steps,"
	" " STAFF_BY_SQL("coalesce(l.series, l.id)") " AS by_json,"
	" CASE WHEN ?2 THEN (SELECT json_group_array(json_object('time', time, 'step', step,"
	"  'by', by, 'by_id', by_id, 'usage', usage, 'rate', rate, 'note', note,"
	"  'verdict', verdict, 'meter', meter, 'fuel', fuel, 'damage', damage,"
	"  'forfeit', forfeit, 'photos', json(photos_json), 'by_staff', json(by_staff_json)))"
	"  FROM (SELECT " STEP_COLUMNS STEPS_OF("l.id") ")) END AS steps_json"
	" FROM loans l LEFT JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner"
	" LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE l.id = ?1"};

/* The steps of loan ?2 whose condition report names photo hash ?1 (who
 * took each, when, and whether it took effect). */
#define PHOTO_STEP_COLUMNS \
	"e.type AS step, m.name AS author_name, lower(hex(e.author)) AS author," \
	" mutua_time(e.time, 'seconds') AS time," \
	" e.verdict IS NULL AS taken, e.verdict AS verdict, e.usage / 1000.0 AS usage," \
	" e.meter AS meter, e.fuel AS fuel, e.damage AS damage, mutua_amount(e.forfeit) AS forfeit," \
	" " VIEW_REPORT_SQL("e") " AS report," \
	" (SELECT json_group_array(lower(hex(p.hash))) FROM loan_photos p" \
	"  WHERE p.step = e.id) AS photos_json, nullif(e.note, '') AS note," \
	" lower(hex(e.id)) AS id"

const struct view view_photo_steps = {
	"photo steps",
	"SELECT " PHOTO_STEP_COLUMNS " FROM loan_photos ph JOIN loan_events e ON e.id = ph.step"
	" LEFT JOIN members m ON m.id = e.author"
	" WHERE ph.hash = ?1 AND e.request = ?2 ORDER BY e.verdict IS NOT NULL, e.time, e.id"};

/* The loans that hold their resource's capacity, and the owner's blocks:
 * to others a block shows its reason only (state 'blocked'), its note to
 * the owner (?4). */
const struct view view_calendar = {
	"calendar",
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource,"
	" r.title AS resource_title, mo.name AS owner_name, mb.name AS borrower_name,"
	" " ISO("l.start_ms") " AS \"from\", " ISO("l.end_ms") " AS \"to\","
	" l.quantity AS quantity, l.state AS state, l.start_ms AS start_ms,"
	" l.end_ms AS end_ms, l.note AS note, r.location AS location, NULL AS reason,"
	" lower(hex(l.series)) AS series, l.occurrence AS occurrence"
	" FROM loans l JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE mutua_holds(l.state)"
	" AND l.end_ms > ?1 AND l.start_ms < ?2 AND (?3 IS NULL OR l.resource = ?3)"
	" UNION ALL SELECT lower(hex(b.id)), lower(hex(b.resource)), r.title, mo.name,"
	" NULL, " ISO("b.start_ms") ", " ISO("b.end_ms") ", b.quantity, 'blocked',"
	" b.start_ms, b.end_ms, CASE WHEN b.owner = ?4 THEN b.note ELSE '' END,"
	" r.location, b.reason, NULL, NULL"
	" FROM held_blocks b JOIN resources r ON r.id = b.resource"
	" LEFT JOIN members mo ON mo.id = b.owner"
	" WHERE b.end_ms > ?1 AND b.start_ms < ?2 AND (?3 IS NULL OR b.resource = ?3)"
	" ORDER BY resource_title, start_ms, id"};

/* The weekly series with an occurrence in the calendar's window [?1, ?2)
 * (?3 one resource): how many occurrences, the first one's slot, the
 * occurrences that hold ("0 1 3"), and whether the whole series lies in
 * the window (so that one that does not hold is truly left out: an
 * iCalendar EXDATE). */
const struct view view_calendar_series = {
	"calendar series",
	"SELECT lower(hex(l.series)) AS series, max(l.occurrences) AS occurrences,"
	" min(l.start_ms) AS start_ms, min(l.end_ms) AS end_ms,"
	" group_concat(CASE WHEN mutua_holds(l.state) THEN l.occurrence END, ' ') AS holding,"
	" min(l.start_ms) >= ?1 AND max(l.end_ms) <= ?2 AS whole"
	" FROM loans l WHERE l.series IS NOT NULL AND (?3 IS NULL OR l.resource = ?3)"
	" GROUP BY l.series HAVING sum(mutua_holds(l.state) AND l.end_ms > ?1"
	" AND l.start_ms < ?2) > 0 ORDER BY l.series"};

/* How many requests still wait for an answer over [?1, ?2), ?3 of one
 * resource: the calendar says so, since they hold nothing yet. */
const struct view view_calendar_pending = {
	"pending requests",
	"SELECT count(*) FROM loans l WHERE l.state IN ('requested', 'waiting')"
	" AND l.end_ms > ?1 AND l.start_ms < ?2 AND (?3 IS NULL OR l.resource = ?3)"};

const struct view view_balances = {
	"balances",
	"SELECT lower(hex(m.id)) AS member, m.name AS name,"
	" mutua_amount(coalesce(b.balance, 0)) AS balance,"
	" mutua_amount(coalesce(b.lent, 0)) AS lent,"
	" mutua_amount(coalesce(b.borrowed, 0)) AS borrowed, coalesce(b.n, 0) AS loans"
	" FROM members m LEFT JOIN (SELECT member, credits AS balance, lent, borrowed,"
	"  loans AS n FROM balances) b ON b.member = m.id"
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
	" mutua_time(l.start_ms, 'sheet') AS from_local, mutua_time(l.end_ms, 'sheet') AS to_local,"
	" " STAFF_LOAN_BY_SQL("l") " AS by"
	" FROM settled_loans l JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE l.closed >= ?1 AND l.closed < ?2"
	" ORDER BY l.closed, l.id"};
