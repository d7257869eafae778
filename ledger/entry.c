/* entry.c - see entry.h for the format and its validity rules. */
#include "entry.h"
#include "federation.h"
#include "governance.h"
#include "refusal.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {NULL, "vehicle", "storage", "skill",
				    "equipment", "room", "other"};
static const char *const units[] = {NULL, "hour", "day", "km", "m3", "item"};
#define NKINDS (sizeof kinds / sizeof *kinds)
#define NUNITS (sizeof units / sizeof *units)

const char *entry_kind_name(uint32_t kind)
{
	return kind > 0 && kind < NKINDS ? kinds[kind] : "?";
}

const char *entry_unit_name(uint32_t unit)
{
	return unit > 0 && unit < NUNITS ? units[unit] : "?";
}

static const char *const block_reasons[] = {NULL, "internal", "maintenance", "other"};
#define NREASONS (sizeof block_reasons / sizeof *block_reasons)

const char *entry_block_reason_name(uint32_t reason)
{
	return reason > 0 && reason < NREASONS ? block_reasons[reason] : "?";
}

int entry_block_reason_parse(const char *s, uint32_t *reason)
{
	for (uint32_t i = 1; i < NREASONS; i++)
		if (strcmp(s, block_reasons[i]) == 0)
			return *reason = i, 0;
	return err_set("unknown reason '%s' (internal, maintenance, other)", s);
}

static const char *const roles[] = {NULL, "borrow", "lend", "admin"};
#define NROLES (sizeof roles / sizeof *roles)

const char *entry_role_name(uint32_t role)
{
	return role > 0 && role < NROLES ? roles[role] : "?";
}

int entry_role_parse(const char *s, uint32_t *role)
{
	for (uint32_t i = 1; i < NROLES; i++)
		if (strcmp(s, roles[i]) == 0)
			return *role = i, 0;
	return err_set("unknown role '%s' (borrow, lend, admin)", s);
}

int entry_series_count(const Mutua__Request *r)
{
	if (!r->has_repeat && !r->has_until)
		return 1;
	if (!r->has_repeat || !r->has_until)
		return err_set("a series names its rule (repeat) and its end (until)");
	if (r->repeat != ENTRY_REPEAT_WEEKLY)
		return err_set("series rule %u unknown", r->repeat);
	if (!entry_time_ok(r->until) || r->until <= r->start)
		return err_set("series end out of range: after the first start, before 2200");
	/* start, end, until in 2020..2200: no difference overflows */
	if (r->end - r->start > ENTRY_WEEK_MS)
		return err_set("the occurrences of a weekly series overlap: a slot of more than a week");
	int64_t n = (r->until - r->start - 1) / ENTRY_WEEK_MS + 1;
	if (n > ENTRY_SERIES_MAX)
		return err_set("a series of %lld occurrences: at most %d", (long long)n,
			       ENTRY_SERIES_MAX);
	if (!entry_time_ok(r->end + (n - 1) * ENTRY_WEEK_MS))
		return err_set("series slot out of range (2020-01-01 to 2200-01-01 UTC)");
	return (int)n;
}

void entry_occurrence_id(uint8_t out[ENTRY_ID_BYTES], const uint8_t request[ENTRY_ID_BYTES],
			 uint32_t k)
{
	static const char dom[] = "mutua occurrence";
	uint8_t buf[sizeof dom + ENTRY_ID_BYTES + 4];
	if (k == 0) {
		memcpy(out, request, ENTRY_ID_BYTES);
		return;
	}
	memcpy(buf, dom, sizeof dom); /* with its NUL */
	memcpy(buf + sizeof dom, request, ENTRY_ID_BYTES);
	for (int i = 0; i < 4; i++)
		buf[sizeof dom + ENTRY_ID_BYTES + i] = (uint8_t)(k >> (8 * i));
	crypto_generichash(out, ENTRY_ID_BYTES, buf, sizeof buf, NULL, 0);
}

int entry_kind_parse(const char *s, uint32_t *kind)
{
	for (uint32_t i = 1; i < NKINDS; i++)
		if (strcmp(s, kinds[i]) == 0)
			return *kind = i, 0;
	return err_set("unknown kind '%s' (vehicle, storage, skill, equipment, "
		       "room, other)", s);
}

int entry_unit_parse(const char *s, uint32_t *unit)
{
	for (uint32_t i = 1; i < NUNITS; i++)
		if (strcmp(s, units[i]) == 0)
			return *unit = i, 0;
	return err_set("unknown unit '%s' (hour, day, km, m3, item)", s);
}

const char *entry_type_name(int c)
{
	switch (c) {
	case MUTUA__BODY__PAYLOAD_PROFILE: return "profile";
	case MUTUA__BODY__PAYLOAD_OFFER: return "offer";
	case MUTUA__BODY__PAYLOAD_OFFER_UPDATE: return "offer-update";
	case MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW: return "offer-withdraw";
	case MUTUA__BODY__PAYLOAD_BLOCK: return "block";
	case MUTUA__BODY__PAYLOAD_UNBLOCK: return "unblock";
	case MUTUA__BODY__PAYLOAD_DELEGATION: return "delegation";
	case MUTUA__BODY__PAYLOAD_REVOCATION: return "revocation";
	case MUTUA__BODY__PAYLOAD_REQUEST: return "request";
	case MUTUA__BODY__PAYLOAD_ACCEPT: return "accept";
	case MUTUA__BODY__PAYLOAD_DECLINE: return "decline";
	case MUTUA__BODY__PAYLOAD_CANCEL: return "cancel";
	case MUTUA__BODY__PAYLOAD_HANDOVER: return "handover";
	case MUTUA__BODY__PAYLOAD_GIVE_BACK: return "return";
	case MUTUA__BODY__PAYLOAD_CLOSE: return "close";
	case MUTUA__BODY__PAYLOAD_AGREE: return "agree";
	case MUTUA__BODY__PAYLOAD_DISPUTE: return "dispute";
	case MUTUA__BODY__PAYLOAD_PROPOSAL: return "proposal";
	case MUTUA__BODY__PAYLOAD_VOTE: return "vote";
	case MUTUA__BODY__PAYLOAD_ROTATE: return "rotate";
	case MUTUA__BODY__PAYLOAD_TALLY: return "tally";
	case MUTUA__BODY__PAYLOAD_CHECKPOINT: return "checkpoint";
	case MUTUA__BODY__PAYLOAD_WITNESS: return "witness";
	default: return "?";
	}
}

int entry_is_transition(int c)
{
	return c >= MUTUA__BODY__PAYLOAD_ACCEPT && c <= MUTUA__BODY__PAYLOAD_DISPUTE;
}

const Mutua__Transition *entry_transition(const Mutua__Body *b)
{
	switch (b->payload_case) {
	case MUTUA__BODY__PAYLOAD_ACCEPT: return b->accept;
	case MUTUA__BODY__PAYLOAD_DECLINE: return b->decline;
	case MUTUA__BODY__PAYLOAD_CANCEL: return b->cancel;
	case MUTUA__BODY__PAYLOAD_HANDOVER: return b->handover;
	case MUTUA__BODY__PAYLOAD_GIVE_BACK: return b->give_back;
	case MUTUA__BODY__PAYLOAD_CLOSE: return b->close;
	case MUTUA__BODY__PAYLOAD_AGREE: return b->agree;
	case MUTUA__BODY__PAYLOAD_DISPUTE: return b->dispute;
	default: return NULL;
	}
}

/* tcp://HOST:PORT or ipc://PATH; HOST a name, an IPv4 or a [IPv6]. */
int entry_check_endpoint(const char *url)
{
	size_t n = strlen(url);
	if (n > ENDPOINT_MAX_LEN)
		return err_set("endpoint '%.40s...' is too long", url);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= ' ' || (unsigned char)url[i] >= 0x7f)
			return err_set("endpoint '%s' has a bad character", url);
	if (strncmp(url, "ipc://", 6) == 0 && n > 6)
		return 0;
	if (strncmp(url, "tcp://", 6) == 0) {
		const char *colon = strrchr(url + 6, ':');
		char *end;
		if (colon && colon > url + 6 && colon[1]) {
			long port = strtol(colon + 1, &end, 10);
			if (!*end && port > 0 && port < 65536)
				return 0;
		}
	}
	return err_set("endpoint '%s' is not tcp://HOST:PORT or ipc://PATH", url);
}

static int check_bytes(const char *what, const ProtobufCBinaryData *d, size_t n)
{
	if (d->len != n)
		return err_set("%s must be %zu bytes, not %zu", what, n, d->len);
	return 0;
}

int entry_check_requirement(const char *r)
{
	size_t n = strlen(r);
	if (strcmp(r, "insurance") == 0)
		return 0;
	if (n > 8 && n <= 12 && strncmp(r, "licence:", 8) == 0) {
		for (const char *p = r + 8; *p; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
				goto bad;
		return 0;
	}
bad:
	return err_set("'%.*s' is no requirement (insurance, or licence:CATEGORY such as "
		       "licence:B)", REQUIREMENT_MAX_LEN, r);
}

/* Requirements: each known, sorted strictly (so each once). */
static int check_requires(char **r, size_t n)
{
	if (n > REQUIRES_MAX)
		return err_set("%zu requirements (at most %d)", n, REQUIRES_MAX);
	for (size_t i = 0; i < n; i++) {
		if (entry_check_requirement(r[i]))
			return -1;
		if (i && strcmp(r[i - 1], r[i]) >= 0)
			return err_set("requirements must be sorted, each once");
	}
	return 0;
}

static int check_report(const Mutua__ConditionReport *c, int rule)
{
	if (c->base.n_unknown_fields)
		return err_set("condition report has unknown fields");
	if (c->has_meter && c->meter > METER_MAX)
		return err_set("condition report: meter out of range");
	if (c->has_fuel && c->fuel > 100)
		return err_set("condition report: fuel %u is not a percentage", c->fuel);
	if (c->n_photos > PHOTOS_MAX)
		return err_set("condition report of %zu photos (at most %d)", c->n_photos,
			       PHOTOS_MAX);
	for (size_t i = 0; i < c->n_photos; i++)
		if (check_bytes("photo hash", &c->photos[i], 32))
			return -1;
	return text_check("damage", c->damage, NOTE_MAX_LEN, TEXT_MULTILINE | rule);
}

static int check_offer(const Mutua__Offer *o, int rule)
{
	if (o->base.n_unknown_fields)
		return err_set("offer has unknown fields");
	if (o->kind < 1 || o->kind >= NKINDS)
		return err_set("offer has unknown kind %u", o->kind);
	if (o->unit < 1 || o->unit >= NUNITS)
		return err_set("offer has unknown unit %u", o->unit);
	if (o->capacity < 1 || o->capacity > CAPACITY_MAX)
		return err_set("offer capacity %llu out of range (1..%d)",
			       (unsigned long long)o->capacity, CAPACITY_MAX);
	if (o->rate > RATE_MAX)
		return err_set("offer rate out of range");
	if (!*o->title)
		return err_set("offer has an empty title");
	if (text_check("title", o->title, TITLE_MAX_LEN, TEXT_LINE | rule) ||
	    text_check("location", o->location, LOCATION_MAX_LEN, TEXT_LINE | rule) ||
	    text_check("description", o->description, DESCRIPTION_MAX_LEN, TEXT_MULTILINE | rule) ||
	    text_check("conditions", o->conditions, CONDITIONS_MAX_LEN, TEXT_MULTILINE | rule) ||
	    check_requires(o->requires, o->n_requires))
		return -1;
	if (o->has_deposit && (o->deposit < 1 || o->deposit > DEPOSIT_MAX))
		return err_set("offer deposit out of range");
	return 0;
}

/* Heads sorted strictly by feed (one a feed), each of a real size. */
static int check_witness(const Mutua__Witness *w)
{
	if (w->base.n_unknown_fields)
		return err_set("witness has unknown fields");
	if (w->n_heads < 1 || w->n_heads > WITNESS_HEADS_MAX)
		return err_set("witness of %zu heads (1..%d)", w->n_heads, WITNESS_HEADS_MAX);
	for (size_t i = 0; i < w->n_heads; i++) {
		const Mutua__WitnessedHead *h = w->heads[i];
		if (h->base.n_unknown_fields)
			return err_set("witnessed head has unknown fields");
		if (check_bytes("witnessed feed", &h->feed, KEY_ID_BYTES) ||
		    check_bytes("witnessed root", &h->root, 32))
			return -1;
		if (h->seq < 1 || h->seq > INT64_MAX)
			return err_set("witnessed seq %llu out of range", (unsigned long long)h->seq);
		if (i && memcmp(w->heads[i - 1]->feed.data, h->feed.data, KEY_ID_BYTES) >= 0)
			return err_set("witnessed heads are not sorted by feed, one a feed");
	}
	return 0;
}

/* A card of new keys, signed by them, that differ from the key replaced.
 * A rotation's card (seq > 0: the rotation's seq) is fresh: it names the
 * key it replaces and that seq, so no other card (an applicant's, copied
 * from a pending admission) can be rotated to. */
static int check_new_keys(const Mutua__Card *card, const uint8_t *old, uint64_t seq)
{
	Mutua__CardBody *cb = card_open(card);
	if (!cb)
		return -1;
	int rc = 0;
	if (memcmp(cb->id.data, old, KEY_ID_BYTES) == 0)
		rc = err_set("the new key is the key it replaces");
	else if (seq && (cb->replaces.len != KEY_ID_BYTES ||
			 memcmp(cb->replaces.data, old, KEY_ID_BYTES) || !cb->has_seq ||
			 cb->seq != seq))
		rc = err_set("the rotation's card is not fresh: it must name the key it "
			     "replaces and the rotation's seq %llu", (unsigned long long)seq);
	mutua__card_body__free_unpacked(cb, NULL);
	return rc;
}

/* A staff person's card (signed by its key, not the author's), a name
 * as a member's, roles sorted and each once, an until in range. */
static int check_delegation(const Mutua__Delegation *d, const uint8_t *author, int rule)
{
	if (d->base.n_unknown_fields)
		return err_set("delegation has unknown fields");
	if (!*d->name)
		return err_set("delegation has an empty name");
	if (text_check("name", d->name, NAME_MAX_LEN, TEXT_LINE | rule))
		return -1;
	if (d->n_roles < 1 || d->n_roles > ENTRY_ROLES_MAX)
		return err_set("delegation of %zu roles (1..%d)", d->n_roles, ENTRY_ROLES_MAX);
	for (size_t i = 0; i < d->n_roles; i++) {
		if (d->roles[i] < 1 || d->roles[i] >= NROLES)
			return err_set("delegation role %u unknown", d->roles[i]);
		if (i && d->roles[i - 1] >= d->roles[i])
			return err_set("delegation roles must be sorted, each once");
	}
	if (d->has_until && !entry_time_ok(d->until))
		return err_set("delegation until out of range (2020-01-01 to 2200-01-01 UTC)");
	Mutua__CardBody *cb = card_open(d->card);
	if (!cb)
		return -1;
	int rc = 0;
	if (memcmp(cb->id.data, author, KEY_ID_BYTES) == 0)
		rc = err_set("a delegation names another key than the member's own");
	mutua__card_body__free_unpacked(cb, NULL);
	return rc;
}

static int check_payload(const Mutua__Body *b, int rule)
{
	switch (b->payload_case) {
	case MUTUA__BODY__PAYLOAD_DELEGATION:
		return check_delegation(b->delegation, b->author.data, rule);
	case MUTUA__BODY__PAYLOAD_REVOCATION:
		if (b->revocation->base.n_unknown_fields)
			return err_set("revocation has unknown fields");
		if (check_bytes("delegation id", &b->revocation->delegation, ENTRY_ID_BYTES))
			return -1;
		return text_check("reason", b->revocation->reason, NOTE_MAX_LEN,
				  TEXT_MULTILINE | rule);
	case MUTUA__BODY__PAYLOAD_PROFILE: {
		const Mutua__Profile *p = b->profile;
		if (p->base.n_unknown_fields)
			return err_set("profile has unknown fields");
		if (!*p->name)
			return err_set("profile has an empty name");
		if (text_check("name", p->name, NAME_MAX_LEN, TEXT_LINE | rule) ||
		    text_check("college", p->college, COLLEGE_MAX_LEN, TEXT_LINE | rule) ||
		    check_bytes("transport key", &p->transport_key, KEY_X_BYTES))
			return -1;
		if (p->n_endpoints > ENDPOINTS_MAX)
			return err_set("profile has too many endpoints");
		for (size_t i = 0; i < p->n_endpoints; i++)
			if (entry_check_endpoint(p->endpoints[i]))
				return -1;
		return 0;
	}
	case MUTUA__BODY__PAYLOAD_OFFER:
		return check_offer(b->offer, rule);
	case MUTUA__BODY__PAYLOAD_OFFER_UPDATE:
		if (b->offer_update->base.n_unknown_fields)
			return err_set("offer update has unknown fields");
		if (check_bytes("offer id", &b->offer_update->offer, ENTRY_ID_BYTES))
			return -1;
		return check_offer(b->offer_update->fields, rule);
	case MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW:
		if (b->offer_withdraw->base.n_unknown_fields)
			return err_set("offer withdrawal has unknown fields");
		return check_bytes("offer id", &b->offer_withdraw->offer, ENTRY_ID_BYTES);
	case MUTUA__BODY__PAYLOAD_BLOCK: {
		const Mutua__Block *k = b->block;
		if (k->base.n_unknown_fields)
			return err_set("block has unknown fields");
		if (check_bytes("resource id", &k->resource, ENTRY_ID_BYTES))
			return -1;
		if (!entry_time_ok(k->start) || !entry_time_ok(k->end))
			return err_set("block slot out of range (2020-01-01 to 2200-01-01 UTC)");
		if (k->end <= k->start)
			return err_set("block slot ends before it starts");
		if (k->quantity < 1 || k->quantity > CAPACITY_MAX)
			return err_set("block quantity out of range (1..%d)", CAPACITY_MAX);
		if (k->reason < 1 || k->reason >= NREASONS)
			return err_set("block reason %u unknown", k->reason);
		return text_check("note", k->note, NOTE_MAX_LEN, TEXT_MULTILINE | rule);
	}
	case MUTUA__BODY__PAYLOAD_UNBLOCK:
		if (b->unblock->base.n_unknown_fields)
			return err_set("unblock has unknown fields");
		return check_bytes("block id", &b->unblock->block, ENTRY_ID_BYTES);
	case MUTUA__BODY__PAYLOAD_REQUEST: {
		const Mutua__Request *r = b->request;
		if (r->base.n_unknown_fields)
			return err_set("request has unknown fields");
		if (check_bytes("resource id", &r->resource, ENTRY_ID_BYTES))
			return -1;
		if (!entry_time_ok(r->start) || !entry_time_ok(r->end))
			return err_set("request slot out of range (2020-01-01 to 2200-01-01 UTC)");
		if (r->end <= r->start)
			return err_set("request slot ends before it starts");
		if (r->quantity < 1 || r->quantity > CAPACITY_MAX)
			return err_set("request quantity out of range (1..%d)", CAPACITY_MAX);
		if (r->has_rate && r->rate > RATE_MAX)
			return err_set("rate out of range");
		if (r->has_unit && (r->unit < MUTUA__UNIT__UNIT_HOUR || r->unit > MUTUA__UNIT__UNIT_ITEM))
			return err_set("request unit %u unknown", r->unit);
		if (entry_series_count(r) < 0)
			return -1;
		if (check_requires(r->requires, r->n_requires))
			return -1;
		if (r->has_deposit && r->deposit > DEPOSIT_MAX)
			return err_set("request deposit out of range");
		if (r->has_estimate && r->estimate > USAGE_MAX)
			return err_set("request estimate out of range");
		if (r->has_conditions && check_bytes("conditions hash", &r->conditions, 32))
			return -1;
		return text_check("note", r->note, NOTE_MAX_LEN, TEXT_MULTILINE | rule);
	}
	case MUTUA__BODY__PAYLOAD_PROPOSAL: {
		const Mutua__Proposal *p = b->proposal;
		if (p->base.n_unknown_fields)
			return err_set("proposal has unknown fields");
		if (text_check("college", p->college, COLLEGE_MAX_LEN, TEXT_LINE | rule) ||
		    text_check("reason", p->reason, NOTE_MAX_LEN, TEXT_MULTILINE | rule))
			return -1;
		switch (p->what_case) {
		case MUTUA__PROPOSAL__WHAT_ADMIT: {
			Mutua__CardBody *cb = card_open(p->admit);
			if (!cb)
				return -1;
			mutua__card_body__free_unpacked(cb, NULL);
			return 0;
		}
		case MUTUA__PROPOSAL__WHAT_EXCLUDE:
			return check_bytes("member id", &p->exclude, KEY_ID_BYTES);
		case MUTUA__PROPOSAL__WHAT_REKEY: {
			const Mutua__Rekey *r = p->rekey;
			if (r->base.n_unknown_fields)
				return err_set("rekey has unknown fields");
			if (check_bytes("member id", &r->member, KEY_ID_BYTES) ||
			    check_bytes("replaced key", &r->key, KEY_ID_BYTES))
				return -1;
			if (r->upto > INT64_MAX)
				return err_set("rekey seq out of range");
			return check_new_keys(r->card, r->key.data, 0);
		}
		case MUTUA__PROPOSAL__WHAT_SETTLE:
			if (p->settle->base.n_unknown_fields)
				return err_set("settlement has unknown fields");
			if (p->settle->has_forfeit && p->settle->forfeit > DEPOSIT_MAX)
				return err_set("settle forfeit out of range");
			if (p->settle->usage > USAGE_MAX)
				return err_set("usage out of range");
			return check_bytes("request id", &p->settle->request, ENTRY_ID_BYTES);
		case MUTUA__PROPOSAL__WHAT_SET:
			if (p->set->base.n_unknown_fields)
				return err_set("parameter has unknown fields");
			return governance_param_check(p->set->name, p->set->value);
		default:
			return err_set("unknown proposal");
		}
	}
	case MUTUA__BODY__PAYLOAD_VOTE:
		if (b->vote->base.n_unknown_fields)
			return err_set("vote has unknown fields");
		if (b->vote->choice < VOTE_YES || b->vote->choice > VOTE_ABSTAIN)
			return err_set("vote choice %u unknown", b->vote->choice);
		return check_bytes("proposal id", &b->vote->proposal, ENTRY_ID_BYTES);
	case MUTUA__BODY__PAYLOAD_ROTATE:
		if (b->rotate->base.n_unknown_fields)
			return err_set("key rotation has unknown fields");
		return check_new_keys(b->rotate->card, b->author.data, b->seq);
	case MUTUA__BODY__PAYLOAD_TALLY: {
		const Mutua__Tally *t = b->tally;
		if (t->base.n_unknown_fields)
			return err_set("tally has unknown fields");
		if (check_bytes("proposal id", &t->proposal, ENTRY_ID_BYTES))
			return -1;
		if (t->n_votes > TALLY_VOTES_MAX)
			return err_set("tally cites more than %d votes", TALLY_VOTES_MAX);
		for (size_t i = 0; i < t->n_votes; i++) {
			if (check_bytes("vote id", &t->votes[i], ENTRY_ID_BYTES))
				return -1;
			for (size_t j = 0; j < i; j++)
				if (memcmp(t->votes[j].data, t->votes[i].data, ENTRY_ID_BYTES) == 0)
					return err_set("the tally cites a vote twice");
		}
		if (t->has_cut_key != t->has_cut ||
		    (t->has_cut_key && check_bytes("cut key", &t->cut_key, KEY_ID_BYTES)))
			return err_set("a tally's cut names a key and a seq, or nothing");
		if (t->has_cut && t->cut > INT64_MAX)
			return err_set("tally cut out of range");
		return 0;
	}
	case MUTUA__BODY__PAYLOAD_CHECKPOINT:
		/* it commits to every entry before it (checkpoint.h) */
		if (b->checkpoint->base.n_unknown_fields)
			return err_set("checkpoint has unknown fields");
		if (b->checkpoint->size != b->seq - 1)
			return err_set("checkpoint at seq %llu must cover %llu entries, not %llu",
				       (unsigned long long)b->seq, (unsigned long long)b->seq - 1,
				       (unsigned long long)b->checkpoint->size);
		return check_bytes("checkpoint root", &b->checkpoint->root, 32);
	case MUTUA__BODY__PAYLOAD_WITNESS:
		return check_witness(b->witness);
	default: {
		const Mutua__Transition *t = entry_transition(b);
		if (!t)
			return err_set("unknown payload type");
		if (t->base.n_unknown_fields)
			return err_set("%s has unknown fields", entry_type_name(b->payload_case));
		if (check_bytes("request id", &t->request, ENTRY_ID_BYTES))
			return -1;
		if (t->has_answers && check_bytes("answered step id", &t->answers, ENTRY_ID_BYTES))
			return -1;
		if (t->has_usage && b->payload_case != MUTUA__BODY__PAYLOAD_GIVE_BACK &&
		    b->payload_case != MUTUA__BODY__PAYLOAD_CLOSE)
			return err_set("%s carries a usage", entry_type_name(b->payload_case));
		if (t->has_rate && b->payload_case != MUTUA__BODY__PAYLOAD_CLOSE)
			return err_set("%s carries a rate", entry_type_name(b->payload_case));
		if (t->has_waitlist && b->payload_case != MUTUA__BODY__PAYLOAD_DECLINE)
			return err_set("%s carries a waitlist", entry_type_name(b->payload_case));
		if (t->has_rate && t->rate > RATE_MAX)
			return err_set("rate out of range");
		if (t->has_usage && t->usage > USAGE_MAX)
			return err_set("usage out of range");
		if (t->report && b->payload_case != MUTUA__BODY__PAYLOAD_HANDOVER &&
		    b->payload_case != MUTUA__BODY__PAYLOAD_GIVE_BACK &&
		    b->payload_case != MUTUA__BODY__PAYLOAD_CLOSE)
			return err_set("%s carries a condition report", entry_type_name(b->payload_case));
		if (t->report && check_report(t->report, rule))
			return -1;
		if (t->has_forfeit && b->payload_case != MUTUA__BODY__PAYLOAD_CLOSE)
			return err_set("%s carries a forfeit", entry_type_name(b->payload_case));
		if (t->has_forfeit && (t->forfeit < 1 || t->forfeit > DEPOSIT_MAX))
			return err_set("forfeit out of range");
		return text_check("note", t->note, NOTE_MAX_LEN, TEXT_MULTILINE | rule);
	}
	}
}

int entry_check_new(const Mutua__Body *b)
{
	return check_payload(b, 0) ? -1 : 0;
}

int entry_act_allowed(int payload_case)
{
	switch (payload_case) {
	case MUTUA__BODY__PAYLOAD_PROFILE:
	case MUTUA__BODY__PAYLOAD_ROTATE:
	case MUTUA__BODY__PAYLOAD_TALLY:
	case MUTUA__BODY__PAYLOAD_CHECKPOINT:
	case MUTUA__BODY__PAYLOAD_WITNESS:
	case MUTUA__BODY__PAYLOAD__NOT_SET:
		return 0;
	default:
		return 1;
	}
}

int entry_act_message(const Mutua__Body *b, const uint8_t delegation[ENTRY_ID_BYTES],
		      uint64_t nonce, uint8_t **out, size_t *len)
{
	static const size_t dl = sizeof ENTRY_ACT_DOMAIN - 1; /* without its NUL */
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&mutua__body__descriptor,
							 (unsigned)b->payload_case);
	*out = NULL;
	*len = 0;
	if (b->payload_case == MUTUA__BODY__PAYLOAD__NOT_SET || !f ||
	    f->type != PROTOBUF_C_TYPE_MESSAGE)
		return err_set("a staff act signs a payload: this entry has none");
	if (b->federation.len != FED_ID_BYTES || b->author.len != KEY_ID_BYTES)
		return err_set("a staff act names the federation and the author");
	const ProtobufCMessage *p = *(ProtobufCMessage *const *)((const char *)b + f->offset);
	if (!p)
		return err_set("a staff act signs a payload: this entry has none");
	size_t plen = protobuf_c_message_get_packed_size(p);
	size_t n = dl + FED_ID_BYTES + KEY_ID_BYTES + ENTRY_ID_BYTES + 8 + 4 + plen;
	uint8_t *m = malloc(n), *w = m;
	if (!m)
		return err_set("out of memory");
	memcpy(w, ENTRY_ACT_DOMAIN, dl);
	w += dl;
	memcpy(w, b->federation.data, FED_ID_BYTES);
	w += FED_ID_BYTES;
	memcpy(w, b->author.data, KEY_ID_BYTES);
	w += KEY_ID_BYTES;
	memcpy(w, delegation, ENTRY_ID_BYTES);
	w += ENTRY_ID_BYTES;
	for (int i = 7; i >= 0; i--)
		*w++ = (uint8_t)(nonce >> (8 * i));
	uint32_t field = (uint32_t)b->payload_case;
	for (int i = 3; i >= 0; i--)
		*w++ = (uint8_t)(field >> (8 * i));
	protobuf_c_message_pack(p, w);
	*out = m;
	*len = n;
	return 0;
}

/* An entry's staff act (StaffAct): lengths, a nonce, a payload that may
 * carry one, and the staff key's signature over the entry's own payload
 * (entry.h). No store needed: a bad act makes the entry invalid. */
static int check_act(const Mutua__Body *b)
{
	const Mutua__StaffAct *a = b->staff;
	if (!a)
		return 0;
	if (a->base.n_unknown_fields)
		return err_set("staff act has unknown fields");
	if (check_bytes("staff key", &a->key, KEY_ID_BYTES) ||
	    check_bytes("staff delegation id", &a->delegation, ENTRY_ID_BYTES) ||
	    check_bytes("staff signature", &a->sig, KEY_SIG_BYTES))
		return -1;
	if (a->nonce == 0)
		return err_set("staff act nonce is 0");
	if (!entry_act_allowed(b->payload_case))
		return err_set("a %s may not carry a staff act", entry_type_name(b->payload_case));
	if (memcmp(a->key.data, b->author.data, KEY_ID_BYTES) == 0)
		return err_set("a staff act is signed by the entry's own author");
	uint8_t *m;
	size_t n;
	if (entry_act_message(b, a->delegation.data, a->nonce, &m, &n))
		return -1;
	int bad = crypto_sign_verify_detached(a->sig.data, m, n, a->key.data);
	free(m);
	if (bad)
		return err_set("bad staff signature on entry %llu", (unsigned long long)b->seq);
	return 0;
}

static int check_canonical(const Mutua__Body *b, const uint8_t *body, size_t len)
{
	uint8_t stackbuf[1024], *buf = stackbuf;
	size_t n = mutua__body__get_packed_size(b);
	int rc = 0;
	if (n != len)
		return err_set("entry is not in canonical form");
	if (n > sizeof stackbuf && !(buf = malloc(n)))
		return err_set("out of memory");
	mutua__body__pack(b, buf);
	if (memcmp(buf, body, n) != 0)
		rc = err_set("entry is not in canonical form");
	if (buf != stackbuf)
		free(buf);
	return rc;
}

int entry_decode(struct entry *e, const uint8_t *body, size_t body_len,
		 const uint8_t *sig, size_t sig_len)
{
	memset(e, 0, sizeof *e);
	if (body_len == 0)
		return err_set("entry body is empty");
	if (body_len > ENTRY_BODY_MAX)
		return err_set("entry is too large (%zu bytes, at most %d)", body_len,
			       ENTRY_BODY_MAX);
	if (sig_len != KEY_SIG_BYTES)
		return err_set("entry signature must be %d bytes, not %zu",
			       KEY_SIG_BYTES, sig_len);
	Mutua__Body *b = mutua__body__unpack(NULL, body_len, body);
	if (!b)
		return err_set("entry body is not a valid protobuf Body");
	if (b->base.n_unknown_fields) {
		err_set(b->payload_case == MUTUA__BODY__PAYLOAD__NOT_SET
				? "unknown payload type"
				: "entry has unknown fields");
		goto fail;
	}
	if (check_bytes("federation id", &b->federation, FED_ID_BYTES) ||
	    check_bytes("author", &b->author, KEY_ID_BYTES))
		goto fail;
	if (b->seq < 1 || b->seq > INT64_MAX) {
		err_set("entry seq %llu out of range", (unsigned long long)b->seq);
		goto fail;
	}
	if (b->seq == 1 ? b->has_prev
			: (!b->has_prev || b->prev.len != ENTRY_ID_BYTES)) {
		err_set("entry seq %llu has a wrong prev field",
			(unsigned long long)b->seq);
		goto fail;
	}
	if (!entry_time_ok(b->time)) {
		err_set("entry seq %llu has a time out of range (%lld: not between "
			"2020-01-01 and 2200-01-01 UTC)", (unsigned long long)b->seq,
			(long long)b->time);
		goto fail;
	}
	if (check_payload(b, TEXT_SIGNED) || check_canonical(b, body, body_len) ||
	    check_act(b))
		goto fail;
	if (!(e->body = malloc(body_len))) {
		err_set("out of memory");
		goto fail;
	}
	memcpy(e->body, body, body_len);
	e->body_len = body_len;
	memcpy(e->sig, sig, KEY_SIG_BYTES);
	entry_hash(e->id, body, body_len);
	e->b = b;
	return 0;
fail:
	mutua__body__free_unpacked(b, NULL);
	return -1;
}

void entry_free(struct entry *e)
{
	if (e->b)
		mutua__body__free_unpacked(e->b, NULL);
	free(e->body);
	memset(e, 0, sizeof *e);
}

void entry_hash(uint8_t id[ENTRY_ID_BYTES], const uint8_t *body, size_t len)
{
	crypto_generichash(id, ENTRY_ID_BYTES, body, len, NULL, 0);
}

void entry_link(uint8_t link[ENTRY_ID_BYTES], const uint8_t id[ENTRY_ID_BYTES],
		const uint8_t sig[KEY_SIG_BYTES])
{
	uint8_t m[ENTRY_ID_BYTES + KEY_SIG_BYTES];
	memcpy(m, id, ENTRY_ID_BYTES);
	memcpy(m + ENTRY_ID_BYTES, sig, KEY_SIG_BYTES);
	crypto_generichash(link, ENTRY_ID_BYTES, m, sizeof m, NULL, 0);
}

int entry_time_ok(int64_t t)
{
	return t >= ENTRY_TIME_MIN && t <= ENTRY_TIME_MAX;
}

enum entry_extends entry_extends(const struct entry *e, uint64_t seq,
				 const uint8_t link[ENTRY_ID_BYTES], int64_t time,
				 char *why, size_t why_len)
{
	const Mutua__Body *b = e->b;
	if (b->seq != seq + 1) {
		err_fmt(why, why_len, REFUSAL_GAP, (unsigned long long)seq + 1,
			 (unsigned long long)b->seq);
		return ENTRY_GAP;
	}
	if (seq && memcmp(b->prev.data, link, ENTRY_ID_BYTES) != 0) {
		err_fmt(why, why_len, REFUSAL_UNLINKED, (unsigned long long)b->seq,
			 (unsigned long long)seq);
		return ENTRY_UNLINKED;
	}
	if (seq && b->time < time) {
		char t1[CLOCK_BUF], t0[CLOCK_BUF];
		clock_format_iso(t1, b->time);
		clock_format_iso(t0, time);
		err_fmt(why, why_len, REFUSAL_TIME_BACK, (unsigned long long)b->seq, t1,
			 (unsigned long long)seq, t0);
		return ENTRY_TIME_BACK;
	}
	return ENTRY_EXTENDS;
}

/* Ed25519 over domain || body without copying the body: libsodium's
 * multi-part API is Ed25519ph, not Ed25519, so the message is assembled. */
static uint8_t *signed_message(const uint8_t *body, size_t len, size_t *mlen)
{
	static const size_t dl = sizeof ENTRY_SIG_DOMAIN; /* with its NUL */
	uint8_t *m = malloc(dl + len);
	if (!m)
		return NULL;
	memcpy(m, ENTRY_SIG_DOMAIN, dl);
	memcpy(m + dl, body, len);
	*mlen = dl + len;
	return m;
}

int entry_verify(const struct entry *e)
{
	size_t mlen;
	uint8_t stackbuf[1024], *m;
	static const size_t dl = sizeof ENTRY_SIG_DOMAIN;
	int rc;
	if (e->body_len + dl <= sizeof stackbuf) {
		memcpy(stackbuf, ENTRY_SIG_DOMAIN, dl);
		memcpy(stackbuf + dl, e->body, e->body_len);
		m = stackbuf;
		mlen = dl + e->body_len;
	} else if (!(m = signed_message(e->body, e->body_len, &mlen))) {
		return err_set("out of memory");
	}
	rc = crypto_sign_verify_detached(e->sig, m, mlen, e->b->author.data);
	if (m != stackbuf)
		free(m);
	if (rc != 0)
		return err_set("bad signature on entry %llu",
			       (unsigned long long)e->b->seq);
	return 0;
}

int entry_seal(struct entry *e, const struct key *k, const Mutua__Body *b)
{
	size_t len = mutua__body__get_packed_size(b), mlen;
	uint8_t sig[KEY_SIG_BYTES];
	int rc;
	memset(e, 0, sizeof *e);
	if (len > ENTRY_BODY_MAX)
		return err_set("entry would be too large (%zu bytes)", len);
	uint8_t *body = malloc(len);
	if (!body)
		return err_set("out of memory");
	mutua__body__pack(b, body);
	uint8_t *m = signed_message(body, len, &mlen);
	if (!m) {
		free(body);
		return err_set("out of memory");
	}
	crypto_sign_detached(sig, NULL, m, mlen, k->sign_sk);
	free(m);
	rc = entry_decode(e, body, len, sig, sizeof sig);
	free(body);
	return rc;
}
