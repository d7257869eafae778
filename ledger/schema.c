/* schema.c - the store's SQL schema: every table, index and view, and the
 * steps that build them. See schema.h.
 *
 * A node's store is one SQLite file (WAL, synchronous=FULL). Its version
 * is PRAGMA user_version, SCHEMA_VERSION for this program. store_open
 * runs the steps of schema_steps above the file's version, in order, in
 * one transaction (an empty file is version 0 and runs them all: a fresh
 * store and a migrated one have the same schema), refuses a file of a
 * newer version, and refolds the derived tables after a step that says
 * so. Nothing else in the tree creates, alters or drops a table, an index
 * or a view (tests/cli/schema.bats checks it).
 *
 * Kinds of table. The ORIGINAL tables hold what the node received or
 * found: they are the history, and a reindex keeps them. Every other
 * table is DERIVED (DESIGN.md, invariant 5): a deterministic fold of the
 * genesis and the entries, written in the same transaction as the entry
 * that changes it (fold_entry and the folds it calls), emptied and
 * rebuilt by store_reindex (fold_clear, then every entry again). The
 * audit rebuilds them from a history in a scratch store (audit.c).
 *
 * Units, in every table. Times are UTC milliseconds. A time taken from an
 * entry is its author's clock (Body.time): data, not order (DESIGN.md,
 * invariant 9). Credits (a rate, a balance, a limit) are counted in
 * hundredths of a credit; usage in thousandths of the resource's unit.
 * Ids (entry ids, member ids, keys) are 32-byte blobs: an entry id is
 * BLAKE2b-256 of the entry's body; a member is named by its first Ed25519
 * signing key (its id), a feed by the signing key that signs it (a member
 * with a rotated key has several feeds). Booleans are INTEGER 0 or 1.
 *
 * Each table is given with its columns and their types; '?' marks a
 * column that may be NULL, the others are NOT NULL. The CREATE statements
 * below hold the defaults and the keys.
 *
 * ---- original tables ---------------------------------------------------
 *
 * meta(key TEXT PRIMARY KEY, value BLOB)
 *   The node's own settings and state, one row a key (value: bytes, an
 *   integer or text, as the key says):
 *     genesis             the genesis bytes, verbatim (store_adopt_genesis);
 *                         its BLAKE2b-256 is the federation id
 *     hold_appends_until  ms: store_append refuses until then (set by
 *                         mutuad after a start: store_hold_appends)
 *     local.name, local.college, local.endpoints
 *                         what 'mutua init' was told, for the card and
 *                         the profile (endpoints one a line)
 *
 * entries(n INTEGER PRIMARY KEY, author BLOB, seq INTEGER, id BLOB,
 *         type TEXT, time INTEGER, body BLOB, sig BLOB, verified INTEGER,
 *         cum INTEGER)
 *   Every entry held, one row an entry of a feed. body and sig are the
 *   bytes received, verbatim (invariant 2); the rest is copied out of the
 *   body for queries.
 *     n         INTEGER PRIMARY KEY: the order of arrival at this node
 *     author    the signing key of the feed (Body.author)
 *     seq       the entry's place in its feed, 1, 2, 3 ... without gap
 *     id        BLAKE2b-256 of body
 *     type      the payload's name (entry_type_name: "offer", "request",
 *               "accept", "return", "vote", ...)
 *     time      the author's clock (ms)
 *     body, sig the signed bytes and their Ed25519 signature; zero-length
 *               in the audit's scratch store, which never reads them back
 *               (store_open_scratch)
 *     verified  1: authenticated when stored, by its own signature or a
 *               later entry's through the chain, which covers signatures
 *               (format 2). Stores of format 1 also held 0 (to be checked
 *               later) and -1 (that check failed); format 2 writes 1 only
 *     cum       the bytes (body and signature) of the feed's entries 1 to
 *               this one: a feed's budget window (store.c) is the
 *               difference of two, not a sum over the day's entries
 *   UNIQUE(author, seq) is the index every read of a feed goes through.
 *
 * forks(author BLOB, seq INTEGER, id BLOB, body BLOB, sig BLOB,
 *       found INTEGER)
 *   PRIMARY KEY(author, seq, id). Fork proofs (invariant 4): validly
 *   signed entries of a feed at a seq where entries holds another one,
 *   which stays there; together they prove that the author signed twice.
 *   body and sig are the entry's bytes as received, id its id; found is
 *   when this node recorded it (its own clock, ms).
 *
 * faults(author BLOB PRIMARY KEY, seq INTEGER, reason TEXT)
 *   Feeds found faulty: author, the feed; seq, where the first fault
 *   found is; reason, what it is: a checkpoint that does not match its feed
 *   (CHECKPOINT_BAD_ROOT, CHECKPOINT_INCONSISTENT; checkpoint.c writes it
 *   as it folds one).
 *
 * ---- derived tables ----------------------------------------------------
 *
 * feeds(author BLOB PRIMARY KEY, seq INTEGER, id BLOB, link BLOB,
 *       time INTEGER)
 *   Each feed's head: author, the feed; seq, the highest seq held; id,
 *   that entry's id; link, what the next entry names as prev
 *   (entry_link: BLAKE2b-256 of id and signature); time, the head's
 *   claimed time, which the next entry's must not precede. Moved by every
 *   insert of the feed's next entry (store.c).
 *
 * members(id BLOB PRIMARY KEY, xkey BLOB, name TEXT, college TEXT,
 *         founder INTEGER, since INTEGER, active INTEGER,
 *         excluded INTEGER?)
 *   Every member, from the genesis (fold_genesis) and passed admissions
 *   (governance.c); profiles (fold.c) and rotations (fold_new_key) change
 *   its description.
 *     id        its first signing key, which names it for good
 *     xkey      its X25519 transport key (CURVE; what the ZAP handler
 *               admits): its card's, then its latest profile's, rotation's
 *               or passed rekey's
 *     name      from its card, then its latest profile
 *     college   from the genesis or the admission; a profile changes it
 *               only under the majority rule ('' none)
 *     founder   listed in the genesis
 *     since     ms: the genesis time for a founder, else the time its
 *               admission passed (proposals.passed_at)
 *     active    1 for a founder or an admission that passed (the recount
 *               removes a newcomer whose admission no longer holds)
 *     excluded  ms: the time of the tally that excluded it (display
 *               only), NULL never; it stays a member for what it signed
 *               up to the tally's cut
 *     admitted_by, excluded_by  the proposals that admitted and excluded
 *               it (version 6): a proposal's electorate leaves out the
 *               member it admits and keeps the one it excludes
 *
 * member_endpoints(member BLOB, url TEXT)
 *   url: where a member's node listens (a ZeroMQ endpoint,
 *   tcp://host:port), one row each: its card's, then its latest
 *   profile's.
 *
 * resources(id BLOB PRIMARY KEY, owner BLOB, kind TEXT, title TEXT,
 *           unit TEXT, capacity INTEGER, rate INTEGER, location TEXT,
 *           description TEXT, auto_accept INTEGER, status TEXT,
 *           created INTEGER, updated INTEGER, seq INTEGER?,
 *           withdrawn INTEGER?)
 *   One row an offer entry, folded by fold.c (offer, offer-update,
 *   offer-withdraw).
 *     id          the offer's entry id; owner, its author's member id
 *     kind, unit  names ("vehicle" ...; "hour", "day", "km", "m3", "item")
 *     title, location, description  the offer's words
 *     capacity    how many can be lent at once
 *     rate        hundredths of a credit per unit
 *     auto_accept the owner's node answers requests itself
 *                 (lending_auto_answer)
 *     status      'active', 'withdrawn' or 'backdated'
 *     created     the offer's time; updated, the latest update's or the
 *                 withdrawal's (ms, the owner's clock)
 *     seq         the offer's seq in its author's feed (version 4)
 *     withdrawn   the withdrawal's place in its owner's own order
 *                 (lending_member_seq: its seq, after the seqs of the
 *                 member's earlier keys' feeds), NULL while active: an
 *                 owner's accept placed after it is ignored
 *                 (booking_withdrawn; version 5)
 *                 A backdated offer (witness.h) leaves status
 *                 'backdated' and withdrawn 0 (version 6)
 *     conditions, requires, deposit  the offer's terms (version 9):
 *                 its conditions' text (''), its requirements comma-joined
 *                 in their sorted order (''), its deposit in hundredths (0)
 *
 * loans(id BLOB PRIMARY KEY, resource BLOB, owner BLOB?, borrower BLOB,
 *       start_ms INTEGER, end_ms INTEGER, quantity INTEGER, note TEXT,
 *       requested INTEGER, state TEXT, usage INTEGER?, rate INTEGER?,
 *       credits INTEGER?, decided INTEGER?, closed INTEGER?, reason TEXT,
 *       ignored INTEGER, seq INTEGER?, agreed_rate INTEGER?, unit TEXT?,
 *       claim INTEGER?, head BLOB?, head_time INTEGER?, author BLOB?,
 *       wait INTEGER, waited INTEGER?, series BLOB?, occurrence INTEGER?,
 *       occurrences INTEGER?)
 *   One row a request entry (lending_fold), its state recomputed from the
 *   request, its resource and all its steps whenever one of them arrives
 *   (lending.c, recompute), whatever their order of arrival.
 *     id             the request's entry id; borrower, its author's member
 *     owner          the resource's owner, NULL until its offer is held
 *     start_ms, end_ms the slot [start, end) (ms)
 *     quantity       how much of the resource's capacity it takes
 *     note           the request's note; requested, its time (ms)
 *     state          loan_state_name: requested, accepted, declined,
 *                    cancelled, handed_over, returned, claimed, disputed,
 *                    closed, or invalid (a request for one's own
 *                    resource); the table and the graph of loan.h say
 *                    which step leads where
 *     usage          thousandths of the unit: the return's, then once
 *                    closed the settled usage (loan.h)
 *     rate           at close: the request's agreed rate (hundredths of
 *                    a credit per unit), 0 when it names none
 *     credits        at close: hundredths of a credit moved from borrower
 *                    to owner, round(usage * rate / 1000) (lending_credits)
 *     decided        the accept's or decline's time; closed, the settling
 *                    step's (or the settle proposal's passing)
 *     reason         the decline's or cancel's note
 *     ignored        how many of its steps the fold ignored (loan_events)
 *     seq            the request's seq in its author's feed (version 4)
 *     agreed_rate    the rate the request carries (hundredths per unit),
 *                    NULL none: it settles for 0 (version 6)
 *     unit           the unit the request carries, NULL: the resource's
 *     claim          the owner's claimed usage (state claimed, disputed,
 *                    or closed after one), NULL none
 *     head, head_time the last step taken (the request's id before any)
 *                    and its claimed time: what the next step answers
 *     author         the request's signing key: with seq, finds its entry
 *                    (auto-answers in this node's order of arrival)
 *     wait           1 when the request asks to wait for its slot
 *                    (Request.wait; version 7)
 *     waited         while waiting, the place of the waitlist decline in
 *                    the owner's own order: the waitlist's order
 *     series, occurrence, occurrences  an occurrence of a weekly series:
 *                    the request's id, its index (0, 1, ...) and how many
 *                    the series has; NULL for a single slot. One row an
 *                    occurrence, its id entry_occurrence_id's (version 7)
 *     requires, deposit, estimate, conditions  what the request confirms
 *                    (version 9): requirements comma-joined, the deposit
 *                    (hundredths, 0), the estimate (thousandths, NULL), the
 *                    BLAKE2b-256 of the conditions (NULL)
 *     reserve        what it holds of its borrower's credit limit while in
 *                    progress (loan_reserve), in hundredths
 *     forfeit        the deposit claimed (claimed, disputed) or settled
 *                    (closed, counted in credits), NULL none
 *   Balances are not stored: lending_balance sums credits of closed loans.
 *
 * loan_events(id BLOB PRIMARY KEY, request BLOB, type TEXT, author BLOB,
 *             time INTEGER, usage INTEGER?, rate INTEGER?, note TEXT,
 *             verdict TEXT?, seq INTEGER?, member_seq INTEGER?,
 *             answers BLOB?)
 *   Every loan step entry held (accept, decline, cancel, handover, return,
 *   close, agree, dispute), taken or not (lending_fold).
 *     request     the request it answers (possibly not held yet)
 *     type        the entry type; author, the member who took it
 *     note        its note (a reason, a condition, a meter reading)
 *     time        its author's clock: data, bounded by the step it
 *                 answers; the order is the graph's (loan.h)
 *     usage, rate what it states (return, close), as in loans
 *     verdict     NULL when the fold took it, else why it ignored it (the
 *                 reason store_append refuses it with, and the audit's)
 *     seq         its seq in its author's feed (version 4)
 *     member_seq  its place in its author's own order (lending_member_seq;
 *                 version 5)
 *     answers     the id of the step it answers (version 6; loan.h)
 *     waitlist    1 for a decline that keeps the request waiting on the
 *                 owner's waitlist (version 7)
 *     meter, fuel, damage  its condition report (version 9), NULL none;
 *                 its photos are in loan_photos
 *     forfeit     a close's claim on the deposit, hundredths, NULL none
 *
 * blocks(id BLOB PRIMARY KEY, resource BLOB, owner BLOB, author BLOB,
 *        seq INTEGER, place INTEGER, time INTEGER, start_ms INTEGER,
 *        end_ms INTEGER, quantity INTEGER, reason TEXT, note TEXT)
 *   One row a block entry (booking_fold; version 7).
 *     id             the block's entry id; resource, the one it holds
 *     owner          its author's member id; author, its signing key
 *     seq, place     its seq in the author's feed, and its place in the
 *                    member's own order (lending_member_seq)
 *     time           its author's clock (data)
 *     start_ms, end_ms, quantity  what it holds: [start, end) (ms)
 *     reason         "internal", "maintenance" or "other"; note, the
 *                    owner's note for its own staff
 *
 * unblocks(id BLOB PRIMARY KEY, block BLOB, owner BLOB, author BLOB,
 *          seq INTEGER)
 *   One row an unblock entry (booking_fold; version 7).
 *     id             the unblock's entry id; block, the block it names
 *     owner          its author's member id; author, its signing key;
 *                    seq, its seq in the author's feed
 *
 * held_blocks: the blocks the booking rule counts (booking.h): of the
 *   resource's owner, not backdated, not lifted by an unblock of the
 *   owner's (version 7).
 *
 * delegations(id BLOB PRIMARY KEY, member BLOB, author BLOB, seq INTEGER,
 *             place INTEGER, time INTEGER, key BLOB, xkey BLOB, name TEXT,
 *             roles TEXT, mask INTEGER, until_ms INTEGER)
 *   One row a delegation entry (staff_fold; version 10).
 *     id             the delegation's entry id; member, its author's
 *                    member; author, its signing key; seq, place as in
 *                    blocks; time, its author's clock (data)
 *     key, xkey      the staff person's Ed25519 and X25519 keys (card)
 *     name           the name the member gives them
 *     roles, mask    the roles comma-joined ("borrow,lend"), and as bits
 *                    1 << role (entry.h ENTRY_ROLE_*)
 *     until_ms       the last signed time it covers, NULL none
 *
 * revocations(id BLOB PRIMARY KEY, delegation BLOB, member BLOB,
 *             author BLOB, seq INTEGER, place INTEGER, time INTEGER,
 *             reason TEXT)
 *   One row a revocation entry (staff_fold; version 10).
 *     id             the revocation's entry id; delegation, the one it
 *                    names, whoever's: it counts (staff.c) only when that
 *                    delegation is its member's and no earlier revocation
 *                    of the member names it
 *     member, author its author's member and signing key; seq, place as
 *                    in blocks; time, its author's clock (data)
 *     reason         the member's words, '' none
 *
 * acts(id BLOB PRIMARY KEY, member BLOB, author BLOB, seq INTEGER,
 *      place INTEGER, time INTEGER, key BLOB, delegation BLOB, nonce
 *      INTEGER, role INTEGER, verdict TEXT)
 *   One row an entry carrying a staff act (staff_act_fold; version 12).
 *     id             the entry's id; member, author, seq, place, time as
 *                    in delegations
 *     key            the staff key that signed the act; delegation, the
 *                    delegation it names (whoever's); nonce, its nonce
 *                    (the 64 bits as a signed integer)
 *     role           the role the entry needs (staff_role_of)
 *     verdict        NULL: a delegation of the member covers it; else why
 *                    the entry is without effect (English, staff.h)
 *
 * web_accounts(email TEXT PRIMARY KEY, name TEXT, delegation BLOB,
 *              key BLOB, kdf INTEGER, ops INTEGER, mem INTEGER, salt BLOB,
 *              nonce BLOB, sealed BLOB, token BLOB UNIQUE,
 *              token_until INTEGER, created INTEGER)
 *   Node-local (version 13, webauth.h): one row a person who signs in to
 *   the node's web page; never folded, replicated or touched by a reindex.
 *     email          how the person signs in (lower case); name, theirs
 *     delegation     the id of the Delegation entry naming their key;
 *                    key, that staff key's public id (32)
 *     kdf            0: sealed under the setup token (BLAKE2b of it);
 *                    1: under Argon2id(password, salt, ops, mem)
 *     nonce, sealed  crypto_secretbox_easy of the key's 32-byte seed
 *     token          BLAKE2b-256 of the setup token while kdf is 0, else
 *                    NULL; token_until, when it expires (ms)
 *     created        when the account was made (ms)
 *
 * ical_subs(id INTEGER PRIMARY KEY, token BLOB UNIQUE, resource BLOB,
 *           person BLOB, maker BLOB, created INTEGER, revoked INTEGER)
 *   Node-local (version 15, icalsub.h): one row a calendar subscription,
 *   an iCal URL served without signing in; never folded, replicated or
 *   touched by a reindex.
 *     id             the subscription's number, as people name it
 *     token          BLAKE2b-256 of the secret token (the 43 base64url
 *                    characters of the URL): the token is never kept
 *     resource?      the resource it shows; person?, the id of the staff
 *                    delegation whose person's loans it shows; both
 *                    NULL: the member's whole calendar
 *     maker?         the delegation of the staff person who made it on
 *                    the web page; NULL: the member, at its node
 *     created        when it was made (ms); revoked?, when it was
 *                    revoked (ms), NULL while in force
 *
 * loan_photos(hash BLOB, step BLOB, PRIMARY KEY(hash, step)) WITHOUT ROWID
 *   Each photo hash a step's condition report names (version 9), for
 *   verify-photo; index loan_photos_step.
 *
 * offers_fts(title, description, location)
 *   The catalogue's full-text index (version 9, search.c): FTS5 with the
 *   unicode61 tokenizer and remove_diacritics 2, its content the
 *   resources table (external content: no copy of the text), one row
 *   per resource under the resource's rowid, indexing its title,
 *   description and location. SQLite keeps the index in shadow tables
 *   (offers_fts_data, _idx, _docsize, _config) that are its own.
 *
 * search_pending(rowid INTEGER PRIMARY KEY, old INTEGER, title,
 *                description, location)
 *   The resources whose row changed since offers_fts last took them
 *   (version 18, search.c), each under the resource's rowid. old is 1
 *   when the index holds the row, with the title, description and
 *   location it holds (the index takes a row out with the very values it
 *   took it in with), 0 when it holds none. Emptied into the index before
 *   a search and by mutuad every second (search_catch_up).
 *
 * balances(member BLOB PRIMARY KEY, credits INTEGER, lent INTEGER,
 *          borrowed INTEGER, loans INTEGER)
 *   WITHOUT ROWID (version 19). The view settlements summed by member:
 *   sum(credits), sum(lent), sum(borrowed) and count(*) of its rows, one
 *   row a member some settled loan names. Kept by the fold where it
 *   decides a loan's state (lending.c, balances_move: the loan's rows of
 *   settlements taken out before, counted in after) and emptied with the
 *   loans by a refold, so that a balance is one read (lending_balance,
 *   view_balances) however long the history.
 *
 * proposals(id BLOB PRIMARY KEY, proposer BLOB, kind TEXT, target BLOB?,
 *           target_name TEXT, card BLOB?, college TEXT, param TEXT?,
 *           value INTEGER?, reason TEXT, created INTEGER,
 *           deadline INTEGER, state TEXT, passed_at INTEGER?,
 *           quorum_met INTEGER, yes REAL, no REAL, voters INTEGER,
 *           eligible INTEGER, oldkey BLOB?)
 *   One row a proposal entry (governance_fold); its tally and outcome are
 *   recounted from scratch whenever a proposal or a vote arrives
 *   (governance_recount).
 *     proposer    the author's member id; created, its time
 *     kind        'admit', 'exclude', 'set', 'rekey' or 'settle'
 *     target      admit: the newcomer's id; exclude, rekey: the member's;
 *                 settle: the request's (a loan)
 *     target_name admit: the name on the card, else ''
 *     card        admit, rekey: the card (a packed Card, signed)
 *     college     admit: the newcomer's college ('' the card's)
 *     reason      the proposer's words
 *     param       set: the parameter's name
 *     value       set: its value; rekey: the last seq of the replaced key;
 *                 settle: the usage (thousandths of the loan's unit)
 *     deadline    created + the duration in force at created (ms)
 *     state       'open' or 'passed'; passed_at, when it passed (ms)
 *     quorum_met, voters, eligible  the tally: whether the quorum is met,
 *                 how many counted voters voted, how many could
 *     yes, no     REAL: votes, or under the colleges rule their
 *                 college-weighted shares
 *     oldkey      rekey: the signing key replaced (version 3)
 *     key, seq    its place in a feed (version 8)
 *     verdict     NULL, or why the count does not take it: its author
 *                 past a budget (open-proposals, reason-max; version 8)
 *     tally       the tally that counts (governance.c), NULL while none
 *                 does (version 6); state is then 'open'; with it,
 *                 'passed' or 'failed'
 *     forfeit     settle: the part of the deposit forfeited, hundredths,
 *                 NULL none (version 9)
 *   The parameters in force (credit-limit, threshold, quorum, duration,
 *   close-grace)
 *   are read from the passed 'set' proposals (governance_param_get), or
 *   the genesis's.
 *
 * votes(id BLOB PRIMARY KEY, proposal BLOB, voter BLOB, choice INTEGER,
 *       time INTEGER, counted INTEGER)
 *   One row a vote entry (governance_fold).
 *     proposal the proposal voted on (possibly not held yet)
 *     voter    the author's member id; time, its clock (ms)
 *     choice   1 yes, 2 no, 3 abstain
 *     counted  1 on the one vote of each voter that the count took, 0 on
 *              every other (governance.c, mark_counted; version 5)
 *
 * tallies(id BLOB PRIMARY KEY, proposal BLOB, author BLOB, key BLOB,
 *         seq INTEGER, time INTEGER, cut_key BLOB?, cut INTEGER?,
 *         verdict TEXT?)
 *   One row a tally entry (governance_fold; version 6).
 *     proposal  the proposal it closes (possibly not held yet)
 *     author    its author's member id; key and seq, its place in a feed
 *     time      its author's clock (ms): data, bounded by the rules
 *     cut_key, cut  exclude: the excluded member's key and the last seq
 *               of that key's feed that stays the member's
 *     verdict   NULL when the count found it valid, else why not (the
 *               reason store_append refuses it with); whether it is the
 *               one that counts is proposals.tally
 *
 * tally_votes(tally BLOB, vote BLOB) WITHOUT ROWID
 *   PRIMARY KEY(tally, vote): the votes a tally cites (version 6).
 *
 * feed_stops(member BLOB PRIMARY KEY, since INTEGER)
 *   The members whose feeds this node's operator stopped taking (mutua
 *   feed stop; store_feed_stop). Node-local, not derived: a reindex keeps
 *   it (version 8).
 *     member    the member's id
 *     since     when (ms, this node's clock)
 *
 * feed_holds(author BLOB PRIMARY KEY, member BLOB, why TEXT, seq INTEGER,
 *            entries INTEGER, bytes INTEGER, since INTEGER, reopens INTEGER?)
 *   The feeds the sync holds (store.c, budgets). A row goes when the feed
 *   moves on. Node-local, not derived (version 8).
 *     author    the feed (its signing key); member, whose
 *     why       'budget' (past entries-per-day or bytes-per-day) or
 *               'stopped' (feed_stops)
 *     seq       the first seq held; entries and bytes, what the last
 *               batch offered from there
 *     since     when it was first held at that seq (ms, this node's clock)
 *     reopens   when the feed's own times let an entry in again (NULL:
 *               once the federation raises the budget)
 *
 * staff_contacts(delegation BLOB PRIMARY KEY, email TEXT, lang TEXT)
 *   The e-mail addresses of the people this member delegated to (mutua
 *   staff add --email, mutua staff email): node-local, never signed, so
 *   they can be changed and erased; a reindex keeps them (version 11).
 *     delegation  the delegation's entry id; email, its person's address
 *     lang        the language of their mails, 'fr' or 'en'; NULL for
 *                 mutuad's own (--lang, version 14)
 *
 * notices(key TEXT PRIMARY KEY, event TEXT, role TEXT, subject BLOB,
 *         created INTEGER, mail TEXT, mail_tries INTEGER, mail_next INTEGER,
 *         mail_error TEXT?, hook TEXT, hook_tries INTEGER,
 *         hook_next INTEGER, hook_error TEXT?)
 *   Each event mutuad told (or will tell) this member's people of, once
 *   (notify.h). Node-local, not derived (version 11).
 *     key       'request:ID', 'accepted:ID' ...; event, role: notify.h
 *     subject   the request's or the proposal's id
 *     created   when this node first saw it (ms, its clock)
 *     mail, hook  'due', 'sent', 'failed', 'nobody', 'stale', 'off' or
 *               'before'
 *     mail_tries, hook_tries  the tries made
 *     mail_next, hook_next    when the next may be made (ms)
 *     mail_error, hook_error  what the last failed try said, NULL none
 *
 * gov_recount(converged INTEGER)
 *   One row when the last full recount (governance_recount) reached its
 *   fixed point, none otherwise: an entry that decides nothing is then
 *   counted on its proposal alone (governance.c, recount_for; version 8).
 *     converged 1
 *
 * void_feeds(author BLOB PRIMARY KEY, last INTEGER) WITHOUT ROWID
 *   The feeds whose entries past seq last have no effect, as the latest
 *   refold left them out (store.c, settle; version 6).
 *     author    the feed (its signing key)
 *     last      its last seq with effect: a rekey's or an exclusion's
 *               cut, or 0 for a key that is no member's
 *
 * params(name TEXT PRIMARY KEY, value INTEGER, since INTEGER)
 *   A parameter's name, value and since when (ms), as version 1 planned
 *   them; never written: parameters are read from proposals (above).
 *   Emptied by a reindex, kept so that no version has to drop it.
 *
 * checkpoints(author BLOB, seq INTEGER, size INTEGER, root BLOB,
 *             valid INTEGER, why TEXT?, tree BLOB)
 *   PRIMARY KEY(author, seq). One row a checkpoint entry, checked against
 *   the feed as it is folded (checkpoint_fold; version 2).
 *     author, seq the checkpoint entry's feed and seq
 *     size, root  what it claims: the RFC 6962 Merkle tree head of its
 *                 feed's first size entries
 *     valid, why  whether root is that head and extends the previous
 *                 valid checkpoint's; why not (as in faults)
 *     tree        the frontier of that tree (struct merkle_stream: one
 *                 32-byte hash a bit set in size), so the next check
 *                 hashes only the entries since
 *
 * keys(key BLOB PRIMARY KEY, member BLOB, rotated INTEGER?, cut INTEGER?,
 *      rekey INTEGER) WITHOUT ROWID
 *   The signing keys of a member other than its id, and where a key's
 *   feed ends (version 3). Folded from rotations (fold.c) and passed
 *   rekeys (governance.c, apply_rekey).
 *     member   whose key it is
 *     rotated  the seq of the key's own rotation entry, its last
 *     cut      the last seq a passed rekey left the key (Rekey.upto)
 *     rekey    1 when a passed rekey gave the key, 0 a rotation
 *   A member's first key has a row only once it rotated or was cut. What
 *   a key signs past min(rotated, cut) is refused (store_member_of).
 *
 * offer_steps(id BLOB PRIMARY KEY, resource BLOB, owner BLOB,
 *             place INTEGER, time INTEGER, seq INTEGER, fields BLOB?)
 *   One row an offer-update or offer-withdraw entry (fold.c; version 6):
 *   a resource's row is its offer, then these steps in place order,
 *   without the backdated ones.
 *     id        the entry's id; resource, the offer it names
 *     owner     the step's author's member (only the owner's take effect)
 *     place     its place in its author's own order (lending_member_seq)
 *     time, seq its entry's
 *     fields    the update's packed Offer; NULL for a withdrawal
 *
 * offer_origins(id BLOB PRIMARY KEY, kind TEXT, title TEXT, unit TEXT,
 *               capacity INTEGER, rate INTEGER, location TEXT,
 *               description TEXT, auto_accept INTEGER)
 *   For each resource (id) that has a step of its owner, the offer's own
 *   kind, title, unit, capacity, rate, location, description and
 *   auto_accept, as in resources before any step: where a replay of its
 *   steps starts (version 6); and its conditions, requires and deposit
 *   (version 9).
 *
 * witnessed(feed BLOB, seq INTEGER, root BLOB, other INTEGER, witness BLOB,
 *           wauthor BLOB, wseq INTEGER, time INTEGER)
 *   PRIMARY KEY(feed, other, seq, root). The heads witness entries named
 *   (witness_fold; version 6), one row a distinct head and class rather
 *   than one a head of every witness entry (version 17: N witnesses of N
 *   feeds wrote N^2 rows a round). A row stays while it is the newest
 *   head of its feed and class, or this node cannot check its root (it
 *   does not hold the feed that far), or its root differs from this
 *   node's own copy at that size (feed_roots: the evidence of a fork);
 *   the others are pruned, so the rows stay O(feeds) whatever the rounds.
 *     feed, seq, root  the head as witnessed: the feed's key, its seq, the
 *                      Merkle tree head over its entries 1..seq
 *     other            1 when the witness is a member other than the
 *                      feed's own (as the keys held at the fold say)
 *     witness          the witnessing member of the claim kept: of the
 *                      claims of this head and class, the first by
 *                      (time, witness, wauthor, wseq), whatever order
 *                      they arrived in
 *     wauthor, wseq    that claim's witness entry: its feed and seq
 *     time             that witness entry's time
 *
 * witness_floor(feed BLOB, seq INTEGER, time INTEGER, witness BLOB,
 *               at INTEGER)
 *   PRIMARY KEY(feed, seq). One row for each seq at which the feed was
 *   witnessed; time is the latest time a member other than the feed's own
 *   witnessed it at a head <= seq (the smallest integer when none): an
 *   entry past seq claiming a time before time - WITNESS_SLACK_MS is
 *   backdated (witness.h, rule a). An entry's fold finds both that and
 *   whether a root was witnessed at its seq in one lookup. witness and
 *   at (version 17; NULL when none) are that witness's member and the
 *   seq it witnessed (the smallest at, then witness, among equal times):
 *   what the audit names for a backdated entry.
 *
 * witness_mine(wauthor BLOB, feed BLOB, seq INTEGER, wseq INTEGER)
 *   PRIMARY KEY(wauthor, feed). Node-local (version 17; a reindex keeps
 *   it): what the witnesses this node signed listed last of each feed
 *   (witness_append, witness_due: what moved since). Empty on a new
 *   store: the first witness lists every feed.
 *     wauthor   the key the node signed them with
 *     feed, seq the feed and the head listed last
 *     wseq      the seq of that witness entry in wauthor's feed
 *
 * backdated(id BLOB PRIMARY KEY, author BLOB, seq INTEGER)
 *   The entries found backdated (their id, and the author and seq of
 *   their feed), whichever of the entry and the witness came first.
 *   Offers and votes leave them out; witness_backdated asks.
 *
 * feed_roots(feed BLOB, size INTEGER, root BLOB)
 *   PRIMARY KEY(feed, size). The root of this node's own copy of a feed at
 *   each size some witness names, once both are held (rule c).
 *
 * feed_trees(feed BLOB PRIMARY KEY, size INTEGER, tree BLOB)
 *   For each feed, the frontier (tree, as checkpoints.tree) of the largest
 *   tree of it computed so far, of size entries: the next root hashes only
 *   the entries since.
 *
 * ---- indexes (beyond the primary keys and UNIQUE(author, seq)) --------
 *
 *   entries_unverified    entries(verified) WHERE verified = 0: the
 *                         background check finds its work without a scan
 *   member_endpoints_m    a member's endpoints
 *   resources_owner       an owner's resources (auto-answers, listings)
 *   loans_resource        (resource, start_ms): the loans of a resource
 *                         overlapping a slot (the booking rule's sweep)
 *   loans_borrower        a borrower's loans (what it has committed:
 *                         the credit limit; mutua requests)
 *   loans_end             loans(end_ms): the loans a calendar's window
 *                         holds, without reading the whole history
 *                         (version 19)
 *   loans_owner           an owner's loans (mutua requests; version 19).
 *                         The fold writes loans.owner only when it
 *                         changes, so that a step does not rewrite it
 *   loan_events_request   a loan's steps (every recompute)
 *   votes_proposal        a proposal's votes (versions 1 to 15; dropped by
 *                         version 16: votes_proposal_voter, whose first
 *                         column is the proposal, serves the same reads)
 *   votes_counted         (proposal, voter) WHERE counted: a voter's
 *                         counted vote, one read however many votes it
 *                         signed (the running tally; version 17)
 *   tallies_proposal      a proposal's tallies (every recount; version 6)
 *   offer_steps_resource  (resource, place): a resource's steps, in order
 *   witnessed_by          (wauthor, feed, seq): what a node witnessed last
 *                         (versions 6 to 13)
 *   checkpoints_valid     (author, valid, seq): a feed's latest valid
 *                         checkpoint
 *   keys_member           a member's keys (lending_member_seq)
 *   blocks_resource       (resource, start_ms): the blocks of a resource
 *                         over a slot (the booking rule; version 7)
 *   unblocks_block        the unblocks naming a block (held_blocks)
 *   loans_series          the occurrences of a weekly series
 *   entries_id            entries(id), UNIQUE: versions 1 to 3 only. Its
 *                         keys are random, so each batch wrote pages all
 *                         over it; entries are found by (author, seq)
 *
 * ---- views (version 5) --------------------------------------------------
 *
 *   current_members  the members who are in now: active, not excluded.
 *                    The one spelling of the predicate in SQL; in C,
 *                    member_is_current
 *   counted_votes    the votes the count took (votes.counted): which
 *                    votes count is decided in C, once (governance.c)
 *   member_status    (id, status): each member's status in words,
 *                    'member' (current), 'excluded' or 'not admitted'
 *   fork_points      (author, seq): each forked feed and its fork point,
 *                    the lowest seq of its fork proofs (store_fork_point)
 *   settled_loans    the loans closed: settled once, their credits moved
 *   settlements      (member, loan, closed, lent, borrowed, credits): a row
 *                    for each party of a settled loan, credits plus for
 *                    its owner and minus for its borrower. The one
 *                    balance: a member's is sum(credits) of its rows,
 *                    at a time t of those closed < t (reports); the
 *                    table balances keeps the sums of all of them
 *   witnessed_roots  (feed, size, root, signer, at): every root claimed
 *                    for a size of a feed: witnessed heads, valid
 *                    checkpoints, and this node's own copy (signer NULL;
 *                    version 6)
 *   witness_forks    (feed, size): the feeds with two roots for one size,
 *                    at the smallest such size (witness.h, rule c)
 *   witnessed_heads  (feed, seq, witness, time): per feed, the newest head
 *                    a member other than its own witnessed, by whom and
 *                    when (the earliest such witness; rule b)
 *
 * ---- SQL functions ------------------------------------------------------
 *
 * Registered on the store's connection when it is opened (store_open
 * calls lending_register_sql), so that listings
 * and the audit ask the rule instead of restating it:
 *   mutua_holds(state)           1 when a loan in that state holds its
 *                                quantity of capacity (loan_state_holds)
 *   mutua_free(resource, start, end)  how much of the resource is free
 *                                over the slot (booking_free; 0 when it
 *                                is withdrawn or unknown)
 *   mutua_conflict(request)      NULL when its owner could accept the
 *                                request now, else the booking rule's
 *                                reason (booking_can_accept)
 *   mutua_in_progress(state)     1 when a loan in that state is under
 *                                way: accepted, handed over, returned
 *                                (loan_state_in_progress)
 *   mutua_withdrawn(withdrawn)   1 when a resource whose withdrawal
 *                                stands at that place is withdrawn
 *                                (booking_withdrawn)
 * and by view_register_sql, for output only (they decide nothing: what a
 * row prints, never which rows):
 *   mutua_time(ms[, form])       a UTC time in local time with its offset,
 *                                ISO 8601 with it under --json (view.c)
 *   mutua_amount(hundredths)     two decimals in the reader's style, a
 *                                number under --json
 *   mutua_duration(ms)           words ("14 days"), seconds under --json
 *   mutua_for_json()             1 when the row is printed as JSON
 *   mutua_search(words, place)   the FTS5 query for a person's words (in
 *                                titles, descriptions, locations) and a
 *                                place's (in locations), each quoted;
 *                                NULL when neither has a word
 *                                (search_query, registered by
 *                                search_register_sql)
 * and, never on a store, on the connection of its own that i18n_json
 * opens in memory to translate the web page's words (i18n.c):
 *   tr(key, text)                pgettext("web:" key, text)
 *
 * ---- the audit's scratch tables ----------------------------------------
 *
 * The audit (audit.c) replays a history into a scratch store
 * (store_open_scratch: in memory, the same schema) and adds two tables of
 * its own there, schema_audit_sql, never in a node's store:
 *   audit_pending(k INTEGER PRIMARY KEY, author BLOB, seq INTEGER,
 *                 body BLOB, sig BLOB)
 *     entries of feeds whose author is not (yet) a member, in bundle
 *     order k, until the history admits them; index audit_pending_a,
 *     (author, k): a feed's entries in order
 *   audit_forks(k INTEGER PRIMARY KEY, body BLOB, sig BLOB)
 *     the history's fork records, compared once every entry is in
 *
 * ---- the refold's scratch table -----------------------------------------
 *
 * schema_refold_sql, run by store_open on its connection: TEMP tables a
 * refold (store.c) fills while it runs, and empties:
 *   refold_void(author BLOB PRIMARY KEY, last INTEGER) WITHOUT ROWID
 *     the feeds a refold leaves entries out of, and from where (as
 *     void_feeds)
 *   refold_admitted(key BLOB PRIMARY KEY) WITHOUT ROWID
 *     the keys named by an admission (proposals.target of kind admit):
 *     a rotation replayed before the admission arrived may not take
 *     such a key (fold_new_key)
 *
 * ---- versions -----------------------------------------------------------
 *
 *   1  entries, forks, faults, feeds, meta; members, member_endpoints,
 *      resources; loans, loan_events; proposals, votes, params
 *   2  checkpoints (no stored entry can be one: version 1 refused them)
 *   3  keys, proposals.oldkey (key rotations and rekeys; refused before)
 *   4  no index on entries.id; resources, loans and loan_events keep their
 *      entry's seq, filled in from entries
 *   5  resources.withdrawn, loan_events.member_seq, votes.counted; the
 *      views current_members, member_status, counted_votes, fork_points,
 *      settled_loans, settlements. Filled by a refold
 *   6  format 2 (a store of versions 1 to 5 holds format 1 entries and is
 *      refused: SCHEMA_FORMAT2): feeds.link, feeds.time; loans.agreed_rate,
 *      unit, claim, head, head_time, author; loan_events.answers (the
 *      loan's graph, loan.h); tallies, tally_votes, void_feeds;
 *      proposals.tally, members.admitted_by, members.excluded_by;
 *      offer_steps, offer_origins, witnessed, witness_floor, backdated,
 *      feed_roots, feed_trees; the views witnessed_roots, witness_forks,
 *      witnessed_heads
 *   7  blocks, unblocks and the view held_blocks (an owner's own use of
 *      its resource, booking.h); loans.wait, loans.waited,
 *      loan_events.waitlist (the waitlist, loan.h); loans.series,
 *      occurrence, occurrences (weekly series). Filled by a refold
 *   8  the indexes proposals_set, proposals_target, votes_proposal_voter,
 *      tally_votes_vote, proposals_proposer; gov_recount; proposals.key,
 *      seq, verdict (filled by a refold); feed_stops, feed_holds
 *   9  resources and offer_origins: conditions, requires, deposit;
 *      loans.requires, deposit, estimate, conditions, reserve, forfeit;
 *      loan_events.meter, fuel, damage, forfeit; proposals.forfeit;
 *      loan_photos; offers_fts
 *      (issue 16). Filled by a refold
 *  10  delegations, revocations and their indexes delegations_member_key,
 *      revocations_delegation (issue 17, staff.h). Filled by a refold
 *  11  staff_contacts, notices (notify.h): node-local
 *  12  acts and its indexes acts_member_key (a key's nonces for a member)
 *      and acts_delegation (issue 17, staff.h). Filled by a refold
 *  13  web_accounts (webauth.h): node-local
 *  14  staff_contacts.lang (notify.h): node-local
 *  15  ical_subs (icalsub.h): node-local
 *  16  no index votes_proposal (votes_proposal_voter covers it): 24
 *      bytes less per vote in the file, one B-tree less per vote stored
 *  17  witnessed in O(N) rows (its columns anew, other added),
 *      witness_floor.witness and at, witness_mine (node-local) and the
 *      three witness views again; the index votes_counted (issue 14).
 *      Filled by a refold
 *  18  entries.cum, filled from the entries held (issue 19: a budget
 *      check read every entry of the member's last 24 hours);
 *      search_pending (the search index catches up later, search.c)
 *  19  balances, filled from the settlements held, and
 *      the indexes loans_end and loans_owner (issue 19: a balance read
 *      every settled loan, a calendar and an owner's requests every loan)
 */
#include "schema.h"

static const char v1_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE entries("
	" n INTEGER PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL,"
	" id BLOB NOT NULL, type TEXT NOT NULL, time INTEGER NOT NULL,"
	" body BLOB NOT NULL, sig BLOB NOT NULL,"
	" verified INTEGER NOT NULL DEFAULT 0, UNIQUE(author, seq));"
	"CREATE UNIQUE INDEX entries_id ON entries(id);"
	"CREATE INDEX entries_unverified ON entries(verified) WHERE verified = 0;"
	"CREATE TABLE forks("
	" author BLOB NOT NULL, seq INTEGER NOT NULL, id BLOB NOT NULL,"
	" body BLOB NOT NULL, sig BLOB NOT NULL, found INTEGER NOT NULL,"
	" PRIMARY KEY(author, seq, id));"
	"CREATE TABLE faults(author BLOB PRIMARY KEY, seq INTEGER NOT NULL,"
	" reason TEXT NOT NULL);"
	"CREATE TABLE feeds(author BLOB PRIMARY KEY, seq INTEGER NOT NULL,"
	" id BLOB NOT NULL);"
	"CREATE TABLE members("
	" id BLOB PRIMARY KEY, xkey BLOB NOT NULL, name TEXT NOT NULL,"
	" college TEXT NOT NULL DEFAULT '', founder INTEGER NOT NULL,"
	" since INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1, excluded INTEGER);"
	"CREATE TABLE member_endpoints(member BLOB NOT NULL, url TEXT NOT NULL);"
	"CREATE INDEX member_endpoints_m ON member_endpoints(member);"
	"CREATE TABLE resources("
	" id BLOB PRIMARY KEY, owner BLOB NOT NULL, kind TEXT NOT NULL,"
	" title TEXT NOT NULL, unit TEXT NOT NULL, capacity INTEGER NOT NULL,"
	" rate INTEGER NOT NULL, location TEXT NOT NULL DEFAULT '',"
	" description TEXT NOT NULL DEFAULT '', auto_accept INTEGER NOT NULL,"
	" status TEXT NOT NULL, created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL);"
	"CREATE INDEX resources_owner ON resources(owner);"
	"CREATE TABLE loans("
	" id BLOB PRIMARY KEY, resource BLOB NOT NULL, owner BLOB,"
	" borrower BLOB NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,"
	" quantity INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '',"
	" requested INTEGER NOT NULL, state TEXT NOT NULL, usage INTEGER,"
	" rate INTEGER, credits INTEGER, decided INTEGER, closed INTEGER,"
	" reason TEXT NOT NULL DEFAULT '', ignored INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX loans_resource ON loans(resource, start_ms);"
	"CREATE INDEX loans_borrower ON loans(borrower);"
	"CREATE TABLE loan_events("
	" id BLOB PRIMARY KEY, request BLOB NOT NULL, type TEXT NOT NULL,"
	" author BLOB NOT NULL, time INTEGER NOT NULL, usage INTEGER, rate INTEGER,"
	" note TEXT NOT NULL DEFAULT '', verdict TEXT);"
	"CREATE INDEX loan_events_request ON loan_events(request);"
	"CREATE TABLE proposals("
	" id BLOB PRIMARY KEY, proposer BLOB NOT NULL, kind TEXT NOT NULL,"
	" target BLOB, target_name TEXT NOT NULL DEFAULT '', card BLOB,"
	" college TEXT NOT NULL DEFAULT '', param TEXT,"
	" value INTEGER, reason TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,"
	" deadline INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'open',"
	" passed_at INTEGER, quorum_met INTEGER NOT NULL DEFAULT 0,"
	" yes REAL NOT NULL DEFAULT 0, no REAL NOT NULL DEFAULT 0,"
	" voters INTEGER NOT NULL DEFAULT 0, eligible INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE votes("
	" id BLOB PRIMARY KEY, proposal BLOB NOT NULL, voter BLOB NOT NULL,"
	" choice INTEGER NOT NULL, time INTEGER NOT NULL);"
	"CREATE INDEX votes_proposal ON votes(proposal);"
	"CREATE TABLE params(name TEXT PRIMARY KEY, value INTEGER NOT NULL,"
	" since INTEGER NOT NULL);";

static const char v2_sql[] =
	"CREATE TABLE checkpoints("
	" author BLOB NOT NULL, seq INTEGER NOT NULL, size INTEGER NOT NULL,"
	" root BLOB NOT NULL, valid INTEGER NOT NULL, why TEXT, tree BLOB NOT NULL,"
	" PRIMARY KEY(author, seq));"
	"CREATE INDEX checkpoints_valid ON checkpoints(author, valid, seq);";

static const char v3_sql[] =
	"CREATE TABLE keys(key BLOB PRIMARY KEY, member BLOB NOT NULL,"
	" rotated INTEGER, cut INTEGER, rekey INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE INDEX keys_member ON keys(member);"
	"ALTER TABLE proposals ADD COLUMN oldkey BLOB;";

/* The index on entries.id serves once more, to fill the seqs in. */
static const char v4_sql[] =
	"ALTER TABLE resources ADD COLUMN seq INTEGER;"
	" ALTER TABLE loans ADD COLUMN seq INTEGER;"
	" ALTER TABLE loan_events ADD COLUMN seq INTEGER;"
	" UPDATE resources SET seq = (SELECT seq FROM entries e WHERE e.id = resources.id);"
	" UPDATE loans SET seq = (SELECT seq FROM entries e WHERE e.id = loans.id);"
	" UPDATE loan_events SET seq ="
	" (SELECT seq FROM entries e WHERE e.id = loan_events.id);"
	" DROP INDEX entries_id";

static const char v5_sql[] =
	"ALTER TABLE resources ADD COLUMN withdrawn INTEGER;"
	"ALTER TABLE loan_events ADD COLUMN member_seq INTEGER;"
	"ALTER TABLE votes ADD COLUMN counted INTEGER NOT NULL DEFAULT 0;"
	"CREATE VIEW counted_votes AS SELECT id, proposal, voter, choice, time FROM votes"
	" WHERE counted;"
	"CREATE VIEW current_members AS SELECT * FROM members"
	" WHERE active AND excluded IS NULL;"
	"CREATE VIEW member_status AS SELECT id,"
	" CASE WHEN id IN (SELECT id FROM current_members) THEN 'member'"
	" WHEN excluded IS NOT NULL THEN 'excluded' ELSE 'not admitted' END AS status"
	" FROM members;"
	"CREATE VIEW fork_points AS SELECT author, min(seq) AS seq FROM forks"
	" GROUP BY author;"
	"CREATE VIEW settled_loans AS SELECT * FROM loans WHERE state = 'closed';"
	"CREATE VIEW settlements AS"
	" SELECT owner AS member, id AS loan, closed, credits AS lent, 0 AS borrowed,"
	" credits FROM settled_loans"
	" UNION ALL SELECT borrower, id, closed, 0, credits, -credits FROM settled_loans;";

/* Format 2, one step until it is released. A feed's head keeps the link
 * the next entry names as prev (entry_link: BLAKE2b-256 of the head's id
 * and signature; a scratch store keeps no signature to compute it from)
 * and the head's time, which the next entry's must not precede. The
 * loan's graph (loan.h): the terms the request agreed, the step each step
 * answers, the claim, the last step taken, and the request's signing key
 * (auto-answers in arrival order). Governance by position: tallies close
 * proposals; an exclusion or a rekey cuts a feed at a seq; what a cut
 * leaves out is recorded in void_feeds, so that a refold runs when it
 * changes. Witnessed heads (witness.h) and the offers' steps, replayed
 * when a witness makes one of them backdated. */
static const char v6_sql[] =
	"ALTER TABLE feeds ADD COLUMN link BLOB NOT NULL DEFAULT x'';"
	"ALTER TABLE feeds ADD COLUMN time INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE loans ADD COLUMN agreed_rate INTEGER;"
	"ALTER TABLE loans ADD COLUMN unit TEXT;"
	"ALTER TABLE loans ADD COLUMN claim INTEGER;"
	"ALTER TABLE loans ADD COLUMN head BLOB;"
	"ALTER TABLE loans ADD COLUMN head_time INTEGER;"
	"ALTER TABLE loans ADD COLUMN author BLOB;"
	"ALTER TABLE loan_events ADD COLUMN answers BLOB;"
	"CREATE TABLE tallies(id BLOB PRIMARY KEY, proposal BLOB NOT NULL,"
	" author BLOB NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL,"
	" time INTEGER NOT NULL, cut_key BLOB, cut INTEGER, verdict TEXT);"
	"CREATE INDEX tallies_proposal ON tallies(proposal);"
	"CREATE TABLE tally_votes(tally BLOB NOT NULL, vote BLOB NOT NULL,"
	" PRIMARY KEY(tally, vote)) WITHOUT ROWID;"
	"CREATE TABLE void_feeds(author BLOB PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;"
	"ALTER TABLE proposals ADD COLUMN tally BLOB;"
	"ALTER TABLE members ADD COLUMN admitted_by BLOB;"
	"ALTER TABLE members ADD COLUMN excluded_by BLOB;"
	"CREATE TABLE offer_steps(id BLOB PRIMARY KEY, resource BLOB NOT NULL,"
	" owner BLOB NOT NULL, place INTEGER NOT NULL, time INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, fields BLOB);"
	"CREATE INDEX offer_steps_resource ON offer_steps(resource, place);"
	"CREATE TABLE offer_origins(id BLOB PRIMARY KEY, kind TEXT NOT NULL,"
	" title TEXT NOT NULL, unit TEXT NOT NULL, capacity INTEGER NOT NULL,"
	" rate INTEGER NOT NULL, location TEXT NOT NULL, description TEXT NOT NULL,"
	" auto_accept INTEGER NOT NULL);"
	"CREATE TABLE witnessed(feed BLOB NOT NULL, seq INTEGER NOT NULL,"
	" root BLOB NOT NULL, witness BLOB NOT NULL, wauthor BLOB NOT NULL,"
	" wseq INTEGER NOT NULL, time INTEGER NOT NULL,"
	" PRIMARY KEY(feed, seq, wauthor, wseq)) WITHOUT ROWID;"
	"CREATE INDEX witnessed_by ON witnessed(wauthor, feed, seq);"
	"CREATE TABLE witness_floor(feed BLOB NOT NULL, seq INTEGER NOT NULL,"
	" time INTEGER NOT NULL, PRIMARY KEY(feed, seq)) WITHOUT ROWID;"
	"CREATE TABLE backdated(id BLOB PRIMARY KEY, author BLOB NOT NULL,"
	" seq INTEGER NOT NULL);"
	"CREATE TABLE feed_roots(feed BLOB NOT NULL, size INTEGER NOT NULL,"
	" root BLOB NOT NULL, PRIMARY KEY(feed, size)) WITHOUT ROWID;"
	"CREATE TABLE feed_trees(feed BLOB PRIMARY KEY, size INTEGER NOT NULL,"
	" tree BLOB NOT NULL);"
	"CREATE VIEW witnessed_roots AS"
	" SELECT feed, seq AS size, root, wauthor AS signer, wseq AS at FROM witnessed"
	" UNION ALL SELECT author, size, root, author, seq FROM checkpoints WHERE valid"
	" UNION ALL SELECT feed, size, root, NULL, NULL FROM feed_roots;"
	"CREATE VIEW witness_forks AS SELECT feed, min(size) AS size FROM"
	" (SELECT feed, size FROM witnessed_roots GROUP BY feed, size"
	"  HAVING count(DISTINCT root) > 1) GROUP BY feed;"
	"CREATE VIEW witnessed_heads AS SELECT feed, seq, witness, time FROM"
	" (SELECT w.feed, w.seq, w.witness, w.time, row_number() OVER (PARTITION BY"
	"  w.feed ORDER BY w.seq DESC, w.time, w.witness) AS r FROM witnessed w"
	"  WHERE w.witness <> coalesce((SELECT member FROM keys WHERE key = w.feed),"
	"  w.feed)) WHERE r = 1;";

static const char v7_sql[] =
	"CREATE TABLE blocks(id BLOB PRIMARY KEY, resource BLOB NOT NULL,"
	" owner BLOB NOT NULL, author BLOB NOT NULL, seq INTEGER NOT NULL,"
	" place INTEGER NOT NULL, time INTEGER NOT NULL, start_ms INTEGER NOT NULL,"
	" end_ms INTEGER NOT NULL, quantity INTEGER NOT NULL, reason TEXT NOT NULL,"
	" note TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX blocks_resource ON blocks(resource, start_ms);"
	"CREATE TABLE unblocks(id BLOB PRIMARY KEY, block BLOB NOT NULL,"
	" owner BLOB NOT NULL, author BLOB NOT NULL, seq INTEGER NOT NULL);"
	"CREATE INDEX unblocks_block ON unblocks(block);"
	"CREATE VIEW held_blocks AS SELECT b.* FROM blocks b"
	" JOIN resources r ON r.id = b.resource AND r.owner = b.owner"
	" WHERE b.id NOT IN (SELECT id FROM backdated)"
	" AND NOT EXISTS (SELECT 1 FROM unblocks u WHERE u.block = b.id"
	"  AND u.owner = b.owner AND u.id NOT IN (SELECT id FROM backdated));"
	"ALTER TABLE loans ADD COLUMN wait INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE loans ADD COLUMN waited INTEGER;"
	"ALTER TABLE loan_events ADD COLUMN waitlist INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE loans ADD COLUMN series BLOB;"
	"ALTER TABLE loans ADD COLUMN occurrence INTEGER;"
	"ALTER TABLE loans ADD COLUMN occurrences INTEGER;"
	"CREATE INDEX loans_series ON loans(series) WHERE series IS NOT NULL;";
/* Version 8: the indexes the bounded recount reads by (governance.c):
 * the parameters in force, a proposal's target, a voter's votes on a
 * proposal, the tallies citing a vote, a member's proposals; whether the
 * last full recount reached its fixed point; a proposal's place in its
 * feed and why the count does not take it (the budgets). Filled by a
 * refold. */
static const char v8_sql[] =
	"CREATE INDEX proposals_set ON proposals(param, passed_at)"
	" WHERE kind = 'set' AND state = 'passed';"
	"CREATE INDEX proposals_target ON proposals(target, kind);"
	"CREATE INDEX votes_proposal_voter ON votes(proposal, voter);"
	"CREATE INDEX tally_votes_vote ON tally_votes(vote);"
	"CREATE TABLE gov_recount(converged INTEGER NOT NULL);"
	"ALTER TABLE proposals ADD COLUMN key BLOB;"
	"ALTER TABLE proposals ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE proposals ADD COLUMN verdict TEXT;"
	"CREATE INDEX proposals_proposer ON proposals(proposer, created);"
	"CREATE TABLE feed_stops(member BLOB PRIMARY KEY, since INTEGER NOT NULL);"
	"CREATE TABLE feed_holds(author BLOB PRIMARY KEY, member BLOB NOT NULL,"
	" why TEXT NOT NULL, seq INTEGER NOT NULL, entries INTEGER NOT NULL,"
	" bytes INTEGER NOT NULL, since INTEGER NOT NULL, reopens INTEGER);";
/* Conditions, deposits, estimates, condition reports and the catalogue's
 * search (issue 16). The offer's terms (resources, offer_origins: the
 * requirements comma-joined in their sorted order); what the request
 * confirmed, and what the loan reserves of its borrower's credit limit
 * (loans.reserve: loan_reserve, the one computation); each step's
 * condition report and deposit forfeit; the photos the reports name;
 * offers_fts, the full-text index of the active offers (search.c). */
static const char v9_sql[] =
	"ALTER TABLE resources ADD COLUMN conditions TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE resources ADD COLUMN requires TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE resources ADD COLUMN deposit INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE offer_origins ADD COLUMN conditions TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE offer_origins ADD COLUMN requires TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE offer_origins ADD COLUMN deposit INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE loans ADD COLUMN requires TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE loans ADD COLUMN deposit INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE loans ADD COLUMN estimate INTEGER;"
	"ALTER TABLE loans ADD COLUMN conditions BLOB;"
	"ALTER TABLE loans ADD COLUMN reserve INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE loans ADD COLUMN forfeit INTEGER;"
	"ALTER TABLE loan_events ADD COLUMN meter INTEGER;"
	"ALTER TABLE loan_events ADD COLUMN fuel INTEGER;"
	"ALTER TABLE loan_events ADD COLUMN damage TEXT;"
	"ALTER TABLE loan_events ADD COLUMN forfeit INTEGER;"
	"ALTER TABLE proposals ADD COLUMN forfeit INTEGER;"
	"CREATE TABLE loan_photos(hash BLOB NOT NULL, step BLOB NOT NULL,"
	" PRIMARY KEY(hash, step)) WITHOUT ROWID;"
	"CREATE INDEX loan_photos_step ON loan_photos(step);"
	"CREATE VIRTUAL TABLE offers_fts USING fts5(title, description, location,"
	" content = 'resources', content_rowid = 'rowid',"
	" tokenize = 'unicode61 remove_diacritics 2');";
/* Delegations to staff and their revocations (issue 17, staff.h). Filled
 * by a refold. */
static const char v10_sql[] =
	"CREATE TABLE delegations(id BLOB PRIMARY KEY, member BLOB NOT NULL,"
	" author BLOB NOT NULL, seq INTEGER NOT NULL, place INTEGER NOT NULL,"
	" time INTEGER NOT NULL, key BLOB NOT NULL, xkey BLOB NOT NULL,"
	" name TEXT NOT NULL, roles TEXT NOT NULL, mask INTEGER NOT NULL,"
	" until_ms INTEGER);"
	"CREATE INDEX delegations_member_key ON delegations(member, key, place);"
	"CREATE TABLE revocations(id BLOB PRIMARY KEY, delegation BLOB NOT NULL,"
	" member BLOB NOT NULL, author BLOB NOT NULL, seq INTEGER NOT NULL,"
	" place INTEGER NOT NULL, time INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX revocations_delegation ON revocations(delegation, place);";

/* Node-local, not derived: a reindex keeps them (notify.h). */
static const char v11_sql[] =
	"CREATE TABLE staff_contacts(delegation BLOB PRIMARY KEY, email TEXT NOT NULL);"
	"CREATE TABLE notices(key TEXT PRIMARY KEY, event TEXT NOT NULL, role TEXT NOT NULL,"
	" subject BLOB NOT NULL, created INTEGER NOT NULL,"
	" mail TEXT NOT NULL, mail_tries INTEGER NOT NULL DEFAULT 0,"
	" mail_next INTEGER NOT NULL DEFAULT 0, mail_error TEXT,"
	" hook TEXT NOT NULL, hook_tries INTEGER NOT NULL DEFAULT 0,"
	" hook_next INTEGER NOT NULL DEFAULT 0, hook_error TEXT);";

/* Entries a staff person signed, and whether a delegation covers each
 * (issue 17, staff.h). Filled by a refold. */
static const char v12_sql[] =
	"CREATE TABLE acts(id BLOB PRIMARY KEY, member BLOB NOT NULL,"
	" author BLOB NOT NULL, seq INTEGER NOT NULL, place INTEGER NOT NULL,"
	" time INTEGER NOT NULL, key BLOB NOT NULL, delegation BLOB NOT NULL,"
	" nonce INTEGER NOT NULL, role INTEGER NOT NULL, verdict TEXT);"
	"CREATE INDEX acts_member_key ON acts(member, key, nonce);"
	"CREATE INDEX acts_delegation ON acts(delegation);";

/* The node's web accounts (node/web.c, webauth.h): node-local, never
 * folded nor replicated; a reindex leaves them. */
static const char v13_sql[] =
	"CREATE TABLE web_accounts(email TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" delegation BLOB NOT NULL, key BLOB NOT NULL, kdf INTEGER NOT NULL,"
	" ops INTEGER NOT NULL, mem INTEGER NOT NULL, salt BLOB NOT NULL,"
	" nonce BLOB NOT NULL, sealed BLOB NOT NULL, token BLOB UNIQUE,"
	" token_until INTEGER, created INTEGER NOT NULL);";

/* The language of a person's mails (notify.h): node-local. */
static const char v14_sql[] = "ALTER TABLE staff_contacts ADD COLUMN lang TEXT;";
/* Calendar subscriptions (icalsub.h): node-local, never folded nor
 * replicated; a reindex leaves them. */
static const char v15_sql[] =
	"CREATE TABLE ical_subs(id INTEGER PRIMARY KEY, token BLOB NOT NULL UNIQUE,"
	" resource BLOB, person BLOB, maker BLOB, created INTEGER NOT NULL,"
	" revoked INTEGER);";
static const char v16_sql[] = "DROP INDEX IF EXISTS votes_proposal;";
/* Witnessed heads in O(N) rows, not one a head of every witness entry
 * (issue 14, witness.c): witnessed keeps one claim a distinct head and
 * class, pruned once a newer head of the feed is witnessed and this
 * node's own root at that size agrees; witness_floor says which witness
 * set its time (the audit's rule a); witness_mine is what this node's
 * own witnesses listed last (node-local). Filled by a refold. */
static const char v17_sql[] =
	"DROP VIEW witnessed_heads; DROP VIEW witness_forks; DROP VIEW witnessed_roots;"
	"DROP TABLE witnessed;"
	"CREATE TABLE witnessed(feed BLOB NOT NULL, seq INTEGER NOT NULL,"
	" root BLOB NOT NULL, other INTEGER NOT NULL, witness BLOB NOT NULL,"
	" wauthor BLOB NOT NULL, wseq INTEGER NOT NULL, time INTEGER NOT NULL,"
	" PRIMARY KEY(feed, other, seq, root)) WITHOUT ROWID;"
	"ALTER TABLE witness_floor ADD COLUMN witness BLOB;"
	"ALTER TABLE witness_floor ADD COLUMN at INTEGER;"
	"CREATE TABLE witness_mine(wauthor BLOB NOT NULL, feed BLOB NOT NULL,"
	" seq INTEGER NOT NULL, wseq INTEGER NOT NULL,"
	" PRIMARY KEY(wauthor, feed)) WITHOUT ROWID;"
	"CREATE VIEW witnessed_roots AS"
	" SELECT feed, seq AS size, root, wauthor AS signer, wseq AS at FROM witnessed"
	" UNION ALL SELECT author, size, root, author, seq FROM checkpoints WHERE valid"
	" UNION ALL SELECT feed, size, root, NULL, NULL FROM feed_roots;"
	"CREATE VIEW witness_forks AS SELECT feed, min(size) AS size FROM"
	" (SELECT feed, size FROM witnessed_roots GROUP BY feed, size"
	"  HAVING count(DISTINCT root) > 1) GROUP BY feed;"
	"CREATE VIEW witnessed_heads AS SELECT feed, seq, witness, time FROM"
	" (SELECT w.feed, w.seq, w.witness, w.time, row_number() OVER (PARTITION BY"
	"  w.feed ORDER BY w.seq DESC, w.time, w.witness) AS r FROM witnessed w"
	"  WHERE w.other AND w.witness <> coalesce((SELECT member FROM keys"
	"  WHERE key = w.feed), w.feed)) WHERE r = 1;"
	"CREATE INDEX votes_counted ON votes(proposal, voter) WHERE counted;";
/* The feed's bytes up to each entry, for the budget window (store.c);
 * the rows offers_fts has yet to take (search.c). */
static const char v18_sql[] =
	"ALTER TABLE entries ADD COLUMN cum INTEGER NOT NULL DEFAULT 0;"
	"UPDATE entries SET cum = x.c FROM (SELECT n, sum(length(body) + length(sig))"
	" OVER (PARTITION BY author ORDER BY seq) AS c FROM entries) AS x"
	" WHERE entries.n = x.n;"
	"CREATE TABLE search_pending(rowid INTEGER PRIMARY KEY, old INTEGER NOT NULL,"
	" title, description, location);";
/* Each member's sums of its settlements (the view settlements, summed
 * by member), kept by the fold as a loan's state is decided
 * (lending.c, balances_move): a balance, and each credit-limit check, read
 * every settled loan (issue 19). Loans by their end, for a calendar's
 * window, and by their owner, for the owner's requests. */
static const char v19_sql[] =
	"CREATE TABLE balances(member BLOB PRIMARY KEY, credits INTEGER NOT NULL,"
	" lent INTEGER NOT NULL, borrowed INTEGER NOT NULL, loans INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"INSERT INTO balances SELECT member, sum(credits), sum(lent), sum(borrowed), count(*)"
	" FROM settlements WHERE member IS NOT NULL GROUP BY member;"
	"CREATE INDEX loans_end ON loans(end_ms);"
	"CREATE INDEX loans_owner ON loans(owner);";

const struct schema_step schema_steps[] = {
	{1, v1_sql, 0},
	{2, v2_sql, 0},
	{3, v3_sql, 0},
	{4, v4_sql, 0},
	/* the places of withdrawals and steps, and the counted votes, follow
	 * from the entries: only a refold writes them */
	{5, v5_sql, 1},
	{6, v6_sql, 1},
	{7, v7_sql, 1},
	{8, v8_sql, 1},
	{9, v9_sql, 1},
	{10, v10_sql, 1},
	{11, v11_sql, 0},
	{12, v12_sql, 1},
	{13, v13_sql, 0},
	{14, v14_sql, 0},
	{15, v15_sql, 0},
	{16, v16_sql, 0},
	{17, v17_sql, 1},
	{18, v18_sql, 0},
	{19, v19_sql, 0},
};

_Static_assert(sizeof schema_steps / sizeof *schema_steps == SCHEMA_VERSION,
	       "one step per version");

const char schema_audit_sql[] =
	"CREATE TABLE audit_pending(k INTEGER PRIMARY KEY,"
	" author BLOB NOT NULL, seq INTEGER NOT NULL, body BLOB NOT NULL,"
	" sig BLOB NOT NULL); CREATE INDEX audit_pending_a ON audit_pending(author, k);"
	" CREATE TABLE audit_forks(k INTEGER PRIMARY KEY, body BLOB NOT NULL,"
	" sig BLOB NOT NULL)";

const char schema_refold_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS refold_void(author BLOB PRIMARY KEY,"
	" last INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TEMP TABLE IF NOT EXISTS refold_admitted(key BLOB PRIMARY KEY) WITHOUT ROWID";
