/* notify.c - what needs this member's people. See notify.h. */
#include "notify.h"
#include "err.h"
#include "staff.h"
#include "store.h"
#include "store_int.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The events of member ?1 at ?2 (ms): key, event, role, subject (the
 * request or proposal id). Read from the fold's state only. */
#define EVENTS_SQL \
	"SELECT 'request:' || lower(hex(l.id)) AS key, 'request' AS event, 'lend' AS role," \
	" l.id AS subject FROM loans l" \
	" WHERE l.owner = ?1 AND l.state = 'requested'" \
	" UNION ALL SELECT 'accepted:' || lower(hex(l.id)), 'accepted', 'borrow', l.id" \
	" FROM loans l WHERE l.borrower = ?1 AND EXISTS (SELECT 1 FROM loan_events e" \
	"  WHERE e.request = l.id AND e.type = 'accept' AND e.verdict IS NULL)" \
	" UNION ALL SELECT 'declined:' || lower(hex(l.id)), 'declined', 'borrow', l.id" \
	" FROM loans l WHERE l.borrower = ?1 AND l.state = 'declined'" \
	" UNION ALL SELECT 'soon:' || lower(hex(l.id)), 'soon'," \
	"  iif(l.owner = ?1, 'lend', 'borrow'), l.id FROM loans l" \
	" WHERE (l.owner = ?1 OR l.borrower = ?1) AND l.state = 'accepted'" \
	"  AND l.start_ms > ?2 AND l.start_ms <= ?2 + 86400000" \
	" UNION ALL SELECT 'overdue:' || lower(hex(l.id)), 'overdue'," \
	"  iif(l.owner = ?1, 'lend', 'borrow'), l.id FROM loans l" \
	" WHERE (l.owner = ?1 OR l.borrower = ?1) AND l.state = 'handed_over' AND l.end_ms < ?2" \
	" UNION ALL SELECT 'dispute:' || lower(hex(l.id)), 'dispute', 'lend', l.id FROM loans l" \
	" WHERE l.owner = ?1 AND l.state = 'disputed'" \
	" UNION ALL SELECT 'proposal:' || lower(hex(p.id)), 'proposal', 'admin', p.id" \
	" FROM proposals p WHERE p.state = 'open' AND p.deadline > ?2" \
	" UNION ALL SELECT 'closing:' || lower(hex(p.id)), 'closing', 'admin', p.id" \
	" FROM proposals p WHERE p.state = 'open' AND p.deadline > ?2" \
	"  AND p.deadline <= ?2 + 86400000" \
	"  AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.proposal = p.id AND v.voter = ?1)"

int notify_collect(struct store *s, const uint8_t me[KEY_ID_BYTES], int64_t now, int mail,
		   int hook)
{
	char *since = NULL;
	int first = view_meta_get(s, "local.notify_since", &since);
	free(since);
	if (first < 0)
		return -1;
	first = !first;
	if (store_begin(s, s, "notifications"))
		return -1;
	/* ?3 mail's state, ?4 the hook's: 'due', 'off' or 'before' */
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO notices(key, event, role,"
					 " subject, created, mail, hook)"
					 " SELECT key, event, role, subject, ?2, ?3, ?4"
					 " FROM (" EVENTS_SQL ")");
	int n = -1;
	if (!st)
		goto out;
	const char *before = "before";
	sqlite3_bind_blob(st, 1, me, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, first ? before : mail ? "due" : "off", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, first ? before : hook ? "due" : "off", -1, SQLITE_STATIC);
	if (store_step_done(s, st))
		goto out;
	n = sqlite3_changes(store_db(s));
	if (first) {
		char buf[24];
		snprintf(buf, sizeof buf, "%lld", (long long)now);
		if (view_meta_set(s, "local.notify_since", buf))
			n = -1;
		else
			n = 0;
	} else if (!mail && !hook)
		n = 0;
out:
	if (n < 0 || store_commit(s, s)) {
		store_rollback(s, s);
		return -1;
	}
	return n;
}

int notify_next(struct store *s, int64_t now, struct notice *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT key, event, role, 0, mail_tries, created"
					 " FROM notices WHERE mail = 'due' AND mail_next <= ?1"
					 " UNION ALL SELECT key, event, role, 1, hook_tries,"
					 " created FROM notices"
					 " WHERE hook = 'due' AND hook_next <= ?1"
					 " ORDER BY 6, 1, 4 LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	int rc = store_step_row(s, st);
	if (rc == 1) {
		memset(out, 0, sizeof *out);
		snprintf(out->key, sizeof out->key, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(out->event, sizeof out->event, "%s",
			 (const char *)sqlite3_column_text(st, 1));
		snprintf(out->role, sizeof out->role, "%s",
			 (const char *)sqlite3_column_text(st, 2));
		out->channel = sqlite3_column_int(st, 3) ? NOTIFY_HOOK : NOTIFY_MAIL;
		out->tries = sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	return rc;
}

int notify_done(struct store *s, const char *key, enum notify_channel ch,
		enum notify_result how, const char *error, int64_t now, int64_t retry_ms)
{
	static const char *const states[] = {[NOTIFY_SENT] = "sent", [NOTIFY_NOBODY] = "nobody",
					     [NOTIFY_OFF] = "off", [NOTIFY_STALE] = "stale"};
	static const char *const sql[2][2] = {
		{"UPDATE notices SET mail_tries = mail_tries + 1, mail_error = ?3,"
		 " mail = iif(mail_tries + 1 >= ?4, 'failed', 'due'),"
		 " mail_next = ?2 + min(?5 << min(mail_tries, 9), 21600000) WHERE key = ?1",
		 "UPDATE notices SET mail = ?3, mail_tries = mail_tries + (?3 = 'sent'),"
		 " mail_next = ?2, mail_error = NULL WHERE key = ?1 AND ?4"},
		{"UPDATE notices SET hook_tries = hook_tries + 1, hook_error = ?3,"
		 " hook = iif(hook_tries + 1 >= ?4, 'failed', 'due'),"
		 " hook_next = ?2 + min(?5 << min(hook_tries, 9), 21600000) WHERE key = ?1",
		 "UPDATE notices SET hook = ?3, hook_tries = hook_tries + (?3 = 'sent'),"
		 " hook_next = ?2, hook_error = NULL WHERE key = ?1 AND ?4"},
	};
	int done = how != NOTIFY_FAILED;
	sqlite3_stmt *st = store_stmt(s, sql[ch == NOTIFY_HOOK][done]);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, done ? states[how] : error ? error : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, done ? 1 : NOTIFY_TRIES);
	if (!done)
		sqlite3_bind_int64(st, 5, retry_ms);
	return store_step_done(s, st);
}

int notify_check_email(const char *addr)
{
	size_t n = strlen(addr);
	const char *at = strchr(addr, '@');
	if (n == 0 || n > NOTIFY_EMAIL_MAX)
		return err_set("'%s' is no e-mail address: it has %zu bytes (1 to %d)", addr, n,
			       NOTIFY_EMAIL_MAX);
	if (!at || at == addr || !at[1] || strchr(at + 1, '@'))
		return err_set("'%s' is no e-mail address: write it as name@domain "
			       "(lea.martin@example.org)", addr);
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr(",;:<>\"'()[]\\", *p))
			return err_set("'%s' is no e-mail address: no spaces, commas, quotes "
				       "or brackets; write it as name@domain", addr);
	return 0;
}

int notify_check_lang(const char *lang)
{
	if (strcmp(lang, "fr") && strcmp(lang, "en") && strcmp(lang, "auto"))
		return err_set("'%s' is no language of the mails: write fr, en, or auto "
			       "(mutuad's own)", lang);
	return 0;
}

int notify_set_email(struct store *s, const uint8_t member[KEY_ID_BYTES],
		     const uint8_t delegation[ENTRY_ID_BYTES], const char *addr, const char *lang)
{
	int keep = addr == NOTIFY_KEEP_ADDRESS;
	if (!keep && addr && notify_check_email(addr))
		return -1;
	if (lang && notify_check_lang(lang))
		return -1;
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM delegations WHERE id = ?1 AND member = ?2");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, delegation, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, member, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	sqlite3_reset(st);
	if (rc <= 0)
		return rc < 0 ? -1 : err_set("no such delegation of this member");
	/* ?3: the language, NULL for mutuad's own; ?4: whether it is set */
	st = store_stmt(s, keep ? "UPDATE staff_contacts SET lang = ?3 WHERE delegation = ?1"
			  : addr ? "INSERT INTO staff_contacts(delegation, email, lang)"
				   " VALUES (?1, ?2, ?3) ON CONFLICT(delegation) DO UPDATE SET"
				   " email = excluded.email,"
				   " lang = CASE WHEN ?4 THEN excluded.lang ELSE lang END"
				 : "DELETE FROM staff_contacts WHERE delegation = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, delegation, ENTRY_ID_BYTES, SQLITE_STATIC);
	if (!keep && addr)
		sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	if (lang && strcmp(lang, "auto"))
		sqlite3_bind_text(st, 3, lang, -1, SQLITE_STATIC);
	if (!keep && addr)
		sqlite3_bind_int(st, 4, lang != NULL);
	if ((rc = store_step_done(s, st)) || !keep)
		return rc;
	return sqlite3_changes(store_db(s)) ? 0 : err_set("this delegation has no address: give one "
					      "with its language (mutua staff email NAME ADDRESS --lang LANG)");
}

const struct view view_notice = {
	"notice",
	"SELECT n.key AS key, n.event AS event, n.role AS role,"
	" lower(hex(l.id)) AS request, lower(hex(l.resource)) AS resource,"
	" coalesce(r.title, p.kind) AS title, mo.name AS owner_name, mb.name AS borrower_name,"
	" l.start_ms AS from_ms, l.end_ms AS to_ms, l.quantity AS quantity, l.state AS state,"
	" coalesce(nullif(l.reason, ''), nullif(p.reason, '')) AS reason,"
	" lower(hex(p.id)) AS proposal,"
	" CASE p.kind WHEN 'admit' THEN 'admit ' || p.target_name"
	"  WHEN 'exclude' THEN 'exclude ' || coalesce(t.name, lower(hex(p.target)))"
	"  WHEN 'rekey' THEN 'rekey ' || coalesce(t.name, lower(hex(p.target)))"
	"  WHEN 'settle' THEN 'settle ' || substr(lower(hex(p.target)), 1, 12)"
	"  WHEN 'set' THEN 'set ' || p.param || ' ' || p.value ELSE p.kind END AS what,"
	" p.deadline AS deadline_ms, pm.name AS proposer_name,"
	/* whether it still needs someone when it is sent */
	" CASE n.event WHEN 'request' THEN l.state = 'requested'"
	"  WHEN 'soon' THEN l.state = 'accepted' WHEN 'overdue' THEN l.state = 'handed_over'"
	"  WHEN 'dispute' THEN l.state = 'disputed'"
	"  WHEN 'proposal' THEN p.state = 'open' WHEN 'closing' THEN p.state = 'open'"
	"  ELSE 1 END AS current,"
	" json_object('event', n.event, 'key', n.key, 'role', n.role,"
	"  'request', lower(hex(l.id)), 'resource', lower(hex(l.resource)),"
	"  'title', r.title, 'owner', mo.name, 'borrower', mb.name,"
	"  'from', mutua_time(l.start_ms, 'iso'), 'to', mutua_time(l.end_ms, 'iso'),"
	"  'quantity', l.quantity, 'state', l.state, 'reason', nullif(l.reason, ''),"
	"  'proposal', lower(hex(p.id)), 'kind', p.kind, 'proposer', pm.name,"
	"  'deadline', mutua_time(nullif(p.deadline, 0), 'iso'),"
	"  'noticed', mutua_time(n.created, 'iso')) AS event_json"
	" FROM notices n LEFT JOIN loans l ON l.id = n.subject AND n.role != 'admin'"
	" LEFT JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" LEFT JOIN proposals p ON p.id = n.subject AND n.role = 'admin'"
	" LEFT JOIN members t ON t.id = p.target LEFT JOIN members pm ON pm.id = p.proposer"
	" WHERE n.key = ?1"};

const struct view view_notify_to = {
	"people to notify",
	"SELECT d.name AS name, c.email AS email, c.lang AS lang, min(d.place) AS place"
	" FROM delegations d JOIN staff_contacts c ON c.delegation = d.id"
	" WHERE d.member = ?1 AND ',' || d.roles || ',' LIKE '%,' || ?2 || ',%'"
	" AND " STAFF_IN_FORCE_SQL("d", "?3")
	" GROUP BY c.email ORDER BY min(d.place)"};

const struct view view_notify_counts = {
	"notifications",
	"SELECT count(*) FILTER (WHERE mail = 'due' OR hook = 'due') AS due,"
	" count(*) FILTER (WHERE mail = 'sent' OR hook = 'sent') AS sent,"
	" count(*) FILTER (WHERE mail = 'failed' OR hook = 'failed') AS failed,"
	" (SELECT coalesce(mail_error, hook_error) FROM notices"
	"  WHERE coalesce(mail_error, hook_error) IS NOT NULL"
	"  ORDER BY max(mail_next, hook_next) DESC LIMIT 1) AS last_error"
	" FROM notices"};
