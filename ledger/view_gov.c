/* view_gov.c - the read models of the federation: its members and their
 * status, the loans an excluded member leaves to settle, and the log of
 * signed entries (view.h).
 *
 * A member's status is the view member_status (member.h), a loan in
 * progress one that mutua_in_progress says is (loan.h).
 */
#include "staff.h"
#include "view.h"

/* A loan in progress, over loans l. */
#define IN_PROGRESS "mutua_in_progress(l.state)"

/* The federation as one object (federation show --json). Parameters: ?1
 * name, ?2 federation id (hex), ?3 credit limit in force (hundredths), ?4
 * charter hash (hex, "" when none), ?5 rule ("majority" or "colleges"),
 * ?6 threshold, ?7 quorum (percent), ?8 vote duration (seconds). */
const struct view view_fed_show = {
	"federation",
	"SELECT ?1 AS name, ?2 AS id, mutua_amount(?3) AS credit_limit, ?4 AS charter, ?5 AS rule,"
	" ?6 AS threshold, ?7 AS quorum, ?8 AS vote_duration_s,"
	" (SELECT json_group_array(json_object("
	"  'id', lower(hex(id)), 'name', name, 'college', college,"
	"  'founder', json(iif(founder, 'true', 'false')),"
	"  'status', status,"
	"  'loans_to_settle', CASE WHEN status = 'excluded' THEN (SELECT"
	"   json_group_array(lower(hex(l.id))) FROM loans l WHERE " IN_PROGRESS
	"   AND (l.owner = mm.id OR l.borrower = mm.id)) END))"
	"  FROM (SELECT m.*, s.status FROM members m JOIN member_status s ON s.id = m.id"
	"  ORDER BY m.name) AS mm) AS members_json"};

/* Every member the federation knows, by name, with its status. */
const struct view view_fed_members = {
	"members",
	"SELECT m.name, lower(hex(m.id)) AS id, m.college, s.status FROM members m"
	" JOIN member_status s ON s.id = m.id ORDER BY m.name"};

/* An excluded member's loans in progress: the members settle them by hand,
 * since its later steps are refused. */
const struct view view_fed_loans_to_settle = {
	"loans to settle",
	"SELECT lower(hex(l.id)) AS id, r.title AS resource_title, mo.name AS owner_name,"
	" mb.name AS borrower_name, l.state AS state FROM loans l"
	" JOIN resources r ON r.id = l.resource JOIN members mo ON mo.id = l.owner"
	" JOIN members mb ON mb.id = l.borrower"
	" WHERE " IN_PROGRESS " AND (mo.excluded IS NOT NULL OR mb.excluded IS NOT NULL)"
	" ORDER BY l.start_ms"};

/* The signed entries, newest first by their claimed time (then arrival).
 * ?1 the author (NULL: every author), ?2 at most so many rows (-1: all). */
const struct view view_entry_log = {
	"log",
	"SELECT lower(hex(e.author)) AS author, m.name AS author_name,"
	" e.seq AS seq, lower(hex(e.id)) AS id, e.type AS type,"
	" mutua_time(e.time, 'seconds') AS time,"
	" coalesce((SELECT " VIEW_REPORT_SQL("v") " FROM loan_events v WHERE v.id = e.id),"
	"  (SELECT d.name || ' (' || d.roles || ')' FROM delegations d WHERE d.id = e.id),"
	"  (SELECT substr(lower(hex(r.delegation)), 1, 12) || iif(r.reason != '', ': '"
	"   || r.reason, '') FROM revocations r WHERE r.id = e.id)) AS report,"
	" " STAFF_BY_SQL("e.id") " AS by_json"
	" FROM entries e LEFT JOIN members m ON m.id = e.author"
	" WHERE (?1 IS NULL OR e.author = ?1)"
	" ORDER BY e.time DESC, e.n DESC LIMIT ?2"};

const struct view view_proposal_ids = {
	"proposal ids", "SELECT id FROM proposals WHERE id BETWEEN ?1 AND ?2"};

/* mutua proposals: ?1 now (ms: which deadlines have passed, for display
 * only), ?2 only the open ones. The votes shown are those the count took
 * (counted_votes, governance.c): the counting tally's, or while none
 * counts those a tally made now would cite. A proposal past its deadline
 * that no tally closed yet shows the outcome its held votes give
 * (rejected, expired); tally says which tally decided it (null: none). */
const struct view view_proposals = {
	"proposals",
	/* each voter's vote as the count took it (governance.c) */
	"WITH latest AS (SELECT proposal, voter, choice FROM counted_votes),"
	" shown AS (SELECT p.*, CASE WHEN p.state = 'passed' THEN 'passed'"
	"  WHEN p.deadline > ?1 AND p.state = 'open' THEN 'open' WHEN p.quorum_met THEN 'rejected'"
	"  ELSE 'expired' END AS shown_state FROM proposals p)"
	" SELECT lower(hex(p.id)) AS id, p.kind AS kind,"
	" CASE p.kind WHEN 'admit' THEN 'admit ' || p.target_name"
	"  || iif(p.college != '', ' (' || p.college || ')', '')"
	"  WHEN 'exclude' THEN 'exclude ' || coalesce(t.name, lower(hex(p.target)))"
	"  WHEN 'rekey' THEN 'rekey ' || coalesce(t.name, lower(hex(p.target)))"
	"  || ' after seq ' || p.value"
	"  WHEN 'settle' THEN 'settle ' || substr(lower(hex(p.target)), 1, 12) || ' at '"
	"  || printf('%.3f', p.value / 1000.0)"
	"  ELSE 'set ' || p.param || ' ' || CASE p.param"
	/* for a person the reader's amounts and durations in words; under
	 * --json the text it always was */
	"   WHEN 'credit-limit' THEN iif(mutua_for_json(), printf('%.2f', p.value / 100.0),"
	"    mutua_amount(p.value))"
	"   WHEN 'duration' THEN iif(mutua_for_json(), printf('%.0fs', p.value / 1000.0),"
	"    mutua_duration(p.value))"
	"   WHEN 'close-grace' THEN iif(mutua_for_json(), printf('%.0fs', p.value / 1000.0),"
	"    mutua_duration(p.value))"
	"   ELSE p.value END END AS what,"
	" lower(hex(p.target)) AS target, lower(hex(p.proposer)) AS proposer,"
	" m.name AS proposer_name, p.reason AS reason,"
	" (SELECT count(*) FROM latest l WHERE l.proposal = p.id AND l.choice = 1) AS yes,"
	" (SELECT count(*) FROM latest l WHERE l.proposal = p.id AND l.choice = 2) AS no,"
	" (SELECT count(*) FROM latest l WHERE l.proposal = p.id AND l.choice = 3) AS abstain,"
	" (SELECT json_group_object(college, json_object('yes', y, 'no', n, 'abstain', a))"
	"  FROM (SELECT mm.college AS college, sum(l.choice = 1) AS y, sum(l.choice = 2) AS n,"
	"  sum(l.choice = 3) AS a FROM latest l JOIN members mm ON mm.id = l.voter"
	"  WHERE l.proposal = p.id GROUP BY mm.college)) AS colleges_json,"
	" p.eligible AS eligible,"
	" mutua_time(p.created) AS created, mutua_time(p.deadline) AS deadline,"
	" p.shown_state AS state,"
	" mutua_time(p.passed_at) AS passed_at,"
	" iif(p.tally IS NULL, NULL, lower(hex(p.tally))) AS tally"
	" FROM shown p LEFT JOIN members m ON m.id = p.proposer"
	" LEFT JOIN members t ON t.id = p.target"
	" WHERE NOT ?2 OR p.shown_state = 'open' ORDER BY p.created, p.id"};

/* The feeds this node's sync holds: past their budget of 24 h
 * (entries-per-day, bytes-per-day) or stopped by its operator (mutua feed
 * stop); from which seq, what the last batch offered, since when, and
 * when the feed's own times let an entry in again (store.c, budgets). */
const struct view view_feed_holds = {"held feeds", HOLDS_SQL " ORDER BY 1, 2"};
