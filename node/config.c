/* config.c - see config.h for the file format. */
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_init(struct node_config *cfg)
{
	static const struct sync_config def = SYNC_CONFIG_DEFAULT;
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->listen, sizeof cfg->listen, "%s", DEFAULT_LISTEN);
	cfg->log_level = LOG_INFO;
	cfg->sync = def;
}

void config_free(struct node_config *cfg)
{
	for (int i = 0; i < cfg->npeers; i++)
		free(cfg->peers[i]);
	cfg->npeers = 0;
}

int config_add_peer(struct node_config *cfg, const char *spec)
{
	const char *at = strchr(spec, '@');
	const char *url = at ? at + 1 : spec;
	if (at && at == spec)
		return err_set("peer '%s': empty member before '@'", spec);
	if (check_endpoint(url))
		return -1;
	if (cfg->npeers == CONFIG_PEERS_MAX)
		return err_set("too many peers (at most %d)", CONFIG_PEERS_MAX);
	if (!(cfg->peers[cfg->npeers] = strdup(spec)))
		return err_set("out of memory");
	cfg->npeers++;
	return 0;
}

static int int_value(const char *key, const char *v, long lo, long hi, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < lo || n > hi)
		return err_set("%s must be a whole number from %ld to %ld, not '%s'", key, lo,
			       hi, v);
	*out = (int)n;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int config_line(struct node_config *cfg, char *line)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return err_set("expected 'key = value'");
	*eq = 0;
	char *key = trim(line), *v = trim(eq + 1);
	if (!*v)
		return err_set("%s has no value", key);
	if (strcmp(key, "listen") == 0) {
		if (check_endpoint(v))
			return -1;
		snprintf(cfg->listen, sizeof cfg->listen, "%s", v);
		return 0;
	}
	if (strcmp(key, "peer") == 0)
		return config_add_peer(cfg, v);
	if (strcmp(key, "log_level") == 0)
		return log_level_parse(v, &cfg->log_level);
	if (strcmp(key, "sync_batch") == 0)
		return int_value(key, v, 1, STORE_BATCH_MAX, &cfg->sync.batch);
	if (strcmp(key, "sync_window") == 0)
		return int_value(key, v, 1, 64, &cfg->sync.window);
	if (strcmp(key, "max_inbound") == 0)
		return int_value(key, v, 1, 256, &cfg->sync.max_inbound);
	if (strcmp(key, "hello_interval") == 0)
		return int_value(key, v, 500, 600000, &cfg->sync.hello_ms);
	return err_set("unknown key '%s'", key);
}

int config_load(struct node_config *cfg, const char *path, int optional)
{
	size_t len;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		return err_set("cannot open config '%s': %s", path, strerror(errno));
	}
	char line[CONFIG_LINE_MAX + 2];
	int lineno = 0;
	size_t total = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		len = strlen(line);
		total += len;
		if (total > CONFIG_FILE_MAX) {
			fclose(f);
			return err_set("%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		}
		if (len == sizeof line - 1 && line[len - 1] != '\n') {
			fclose(f);
			return err_set("%s:%d: line longer than %d bytes", path, lineno,
				       CONFIG_LINE_MAX);
		}
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (utf8_check(s, strlen(s), CONFIG_LINE_MAX, 0) || config_line(cfg, s)) {
			char why[300];
			snprintf(why, sizeof why, "%s", err_msg());
			fclose(f);
			return err_set("%s:%d: %s", path, lineno,
				       strstr(why, "unknown error") ? "not valid UTF-8 text" : why);
		}
	}
	fclose(f);
	return 0;
}

int peer_resolve(struct store *s, const char *spec, uint8_t member[32], char *endpoint)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	const char *at = strchr(spec, '@');
	const char *url = at ? at + 1 : spec;
	int count = 0;

	if (check_endpoint(url))
		return -1;
	snprintf(endpoint, ENDPOINT_MAX_LEN + 1, "%s", url);
	if (!at) {
		if (sqlite3_prepare_v2(db, "SELECT DISTINCT member FROM member_endpoints"
					   " WHERE url = ?1", -1, &st, NULL))
			return err_set("store: %s", sqlite3_errmsg(db));
		sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	} else {
		char who[NAME_MAX_LEN + 1], lo[NAME_MAX_LEN + 66], hi[NAME_MAX_LEN + 66];
		size_t n = (size_t)(at - spec);
		if (n == 0 || n > NAME_MAX_LEN)
			return err_set("peer '%s': bad member name", spec);
		memcpy(who, spec, n);
		who[n] = 0;
		/* a name, or an id prefix: ids starting with it lie in [lo, hi] */
		int is_hex = hex_is_prefix(who, 6, 64);
		for (size_t i = 0; is_hex && i < n; i++)
			who[i] = (char)tolower((unsigned char)who[i]);
		/* "%0*d" would print a 0 even at width 0: pad by hand */
		snprintf(lo, sizeof lo, "%s", who);
		if (is_hex) {
			memset(lo + n, '0', 64 - n);
			lo[64] = 0;
		}
		snprintf(hi, sizeof hi, "%s", lo);
		if (is_hex)
			memset(hi + n, 'f', 64 - n);
		if (sqlite3_prepare_v2(db, "SELECT id FROM members WHERE name = ?1 COLLATE NOCASE"
					   " OR (?4 AND lower(hex(id)) BETWEEN ?2 AND ?3)",
				       -1, &st, NULL))
			return err_set("store: %s", sqlite3_errmsg(db));
		sqlite3_bind_text(st, 1, who, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, lo, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, hi, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, is_hex);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (count++ == 0 && sqlite3_column_bytes(st, 0) == 32)
			memcpy(member, sqlite3_column_blob(st, 0), 32);
	}
	sqlite3_finalize(st);
	if (count == 1)
		return 0;
	if (count > 1)
		return err_set("peer '%s' matches several members: name it MEMBER@URL with "
			       "an id", spec);
	if (at)
		return err_set("peer '%s': no member is named so or has such an id", spec);
	return err_set("peer '%s': no member publishes this endpoint in its card or "
		       "profile; name it MEMBER@%s", spec, url);
}
