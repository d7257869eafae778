/* config.c - see config.h for the file format. */
#include "config.h"
#include "overlay.h"
#include "replica.h"
#include "util.h"
#include "view.h"
#include "witness.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void config_init(struct node_config *cfg)
{
	static const struct sync_config def = SYNC_CONFIG_DEFAULT;
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->listen, sizeof cfg->listen, "%s", DEFAULT_LISTEN);
	cfg->log_level = LOG_INFO;
	cfg->max_peers = -1;
	cfg->sync = def;
	cfg->witness_every_s = (int)(WITNESS_EVERY_MS / 1000);
	cfg->witness_idle_s = (int)(WITNESS_IDLE_MS / 1000);
	cfg->notify.timeout_s = 30;
	cfg->notify.retry_s = 60;
	cfg->notify.per_hour = 60;
	cfg->web_threads = 2;
	cfg->web_idle_s = 1800;
	cfg->web_audit_wait_s = 10;
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
	if (entry_check_endpoint(url))
		return -1;
	if (cfg->npeers == CONFIG_PEERS_MAX)
		return err_set("too many peers (at most %d)", CONFIG_PEERS_MAX);
	if (!(cfg->peers[cfg->npeers] = strdup(spec)))
		return err_set("out of memory");
	cfg->peer_lines[cfg->npeers] = 0;
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

/* The notification keys (notifier.h). */
static int notify_line(struct notify_config *n, const char *key, const char *v)
{
	if (strcmp(key, "notify_mail") == 0) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return err_set("notify_mail is 'on' or 'off', not '%s'", v);
		n->mail = strcmp(v, "on") == 0;
		return 0;
	}
	if (strcmp(key, "notify_to") == 0 || strcmp(key, "notify_from") == 0) {
		if (notify_check_email(v))
			return -1;
		if (key[7] == 'f') {
			snprintf(n->from, sizeof n->from, "%s", v);
			return 0;
		}
		if (n->nto == NOTIFY_TO_MAX)
			return err_set("at most %d notify_to lines", NOTIFY_TO_MAX);
		snprintf(n->to[n->nto++], sizeof n->to[0], "%s", v);
		return 0;
	}
	if (strcmp(key, "notify_timeout") == 0)
		return int_value(key, v, 1, 600, &n->timeout_s);
	if (strcmp(key, "notify_retry") == 0)
		return int_value(key, v, 1, 3600, &n->retry_s);
	if (strcmp(key, "notify_per_hour") == 0)
		return int_value(key, v, 1, 3600, &n->per_hour);
	char *dst = strcmp(key, "sendmail") == 0 ? n->sendmail
		    : strcmp(key, "notify_command") == 0 ? n->command : NULL;
	if (!dst)
		return err_set("unknown key '%s'", key);
	if (strlen(v) >= sizeof n->command)
		return err_set("%s: a path of at most %zu bytes", key, sizeof n->command - 1);
	/* a program given by its path must be there to run; a bare name is
	 * looked for on the PATH when it runs */
	if (strchr(v, '/') && access(v, X_OK) != 0)
		return err_set("%s: cannot run '%s' (%s): give the full path of an executable "
			       "program", key, v, strerror(errno));
	snprintf(dst, sizeof n->command, "%s", v);
	return 0;
}

static int config_line(struct node_config *cfg, char *line, int lineno)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return err_set("expected 'key = value'");
	*eq = 0;
	char *key = trim(line), *v = trim(eq + 1);
	if (!*v)
		return err_set("%s has no value", key);
	if (strcmp(key, "listen") == 0) {
		if (entry_check_endpoint(v))
			return -1;
		snprintf(cfg->listen, sizeof cfg->listen, "%s", v);
		return 0;
	}
	if (strcmp(key, "peer") == 0) {
		if (config_add_peer(cfg, v))
			return -1;
		cfg->peer_lines[cfg->npeers - 1] = lineno;
		return 0;
	}
	if (strcmp(key, "log_level") == 0)
		return log_level_parse(v, &cfg->log_level);
	if (strcmp(key, "sync_batch") == 0)
		return int_value(key, v, 1, STORE_BATCH_MAX, &cfg->sync.batch);
	if (strcmp(key, "sync_window") == 0)
		return int_value(key, v, 1, 64, &cfg->sync.window);
	if (strcmp(key, "max_inbound") == 0)
		return int_value(key, v, 1, 4096, &cfg->sync.max_inbound);
	if (strcmp(key, "max_memory") == 0)
		return int_value(key, v, 0, 1 << 20, &cfg->sync.max_memory_mb);
	if (strcmp(key, "max_peers") == 0)
		return int_value(key, v, 0, OVERLAY_MAX, &cfg->max_peers);
	if (strcmp(key, "hello_interval") == 0)
		return int_value(key, v, 500, 600000, &cfg->sync.hello_ms);
	if (strcmp(key, "witness_every") == 0)
		return int_value(key, v, 10, 86400, &cfg->witness_every_s);
	if (strcmp(key, "witness_idle") == 0)
		return int_value(key, v, 60, 604800, &cfg->witness_idle_s);
	if (strncmp(key, "notify_", 7) == 0 || strcmp(key, "sendmail") == 0)
		return notify_line(&cfg->notify, key, v);
	if (strcmp(key, "web_listen") == 0) {
		char *colon = strrchr(v, ':');
		int port;
		if (!colon || colon == v || strlen(v) >= sizeof cfg->web_listen ||
		    int_value(key, colon + 1, 1, 65535, &port))
			return err_set("web_listen must be HOST:PORT (127.0.0.1:7680), not '%s'", v);
		snprintf(cfg->web_listen, sizeof cfg->web_listen, "%s", v);
		return 0;
	}
	if (strcmp(key, "web_root") == 0) {
		if (strlen(v) >= sizeof cfg->web_root)
			return err_set("web_root is longer than %zu bytes", sizeof cfg->web_root - 1);
		snprintf(cfg->web_root, sizeof cfg->web_root, "%s", v);
		return 0;
	}
	if (strcmp(key, "web_secure") == 0) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return err_set("web_secure must be on or off, not '%s'", v);
		cfg->web_secure = strcmp(v, "on") == 0;
		return 0;
	}
	if (strcmp(key, "web_tls_cert") == 0 || strcmp(key, "web_tls_key") == 0) {
		char *dst = key[8] == 'c' ? cfg->web_tls_cert : cfg->web_tls_key;
		if (strlen(v) >= sizeof cfg->web_tls_cert)
			return err_set("%s is longer than %zu bytes", key,
				       sizeof cfg->web_tls_cert - 1);
		snprintf(dst, sizeof cfg->web_tls_cert, "%s", v);
		return 0;
	}
	if (strcmp(key, "web_idle") == 0)
		return int_value(key, v, 1, 28800, &cfg->web_idle_s);
	if (strcmp(key, "web_threads") == 0)
		return int_value(key, v, 1, 16, &cfg->web_threads);
	if (strcmp(key, "web_audit_wait") == 0)
		return int_value(key, v, 0, 60, &cfg->web_audit_wait_s);
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
	snprintf(cfg->file, sizeof cfg->file, "%s", path);
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
		if (text_utf8_check(s, strlen(s), CONFIG_LINE_MAX, TEXT_TAB) || config_line(cfg, s, lineno)) {
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
	const char *at = strchr(spec, '@');
	const char *url = at ? at + 1 : spec;
	int count;

	if (entry_check_endpoint(url))
		return -1;
	snprintf(endpoint, ENDPOINT_MAX_LEN + 1, "%s", url);
	if (!at) {
		count = replica_endpoint_members(s, url, member);
	} else {
		char who[NAME_MAX_LEN + 1];
		size_t n = (size_t)(at - spec);
		if (n == 0 || n > NAME_MAX_LEN)
			return err_set("peer '%s': bad member name", spec);
		memcpy(who, spec, n);
		who[n] = 0;
		/* the one name-or-prefix resolver, as on the command line */
		struct view_named r;
		int rc = view_resolve_member(s, who, member, &r);
		if (rc == 0 && r.near)
			return err_set("peer '%s': no member is named '%s': did you mean '%s'?",
				       spec, who, r.cand[0].label);
		if (rc == -2 && !r.exact)
			return err_set("peer '%s': '%s' matches %d members (%s, %s%s): type more "
				       "of the name", spec, who, r.count, r.cand[0].label,
				       r.cand[1].label, r.count > 2 ? ", ..." : "");
		count = rc == 1 ? 1 : rc == -2 ? 2 : rc == -1 ? -1 : 0;
	}
	if (count < 0)
		return err_set("peer '%s': %s", spec, err_msg());
	if (count == 1)
		return 0;
	if (count > 1)
		return err_set("peer '%s' matches several members: name it MEMBER@URL with "
			       "an id", spec);
	if (at)
		return err_set("peer '%s': no member is named so or has such an id ('mutua "
			       "federation show' lists the members)", spec);
	return err_set("peer '%s': no member publishes this endpoint in its card or "
		       "profile; name it MEMBER@%s", spec, url);
}

int config_peer_resolve(struct store *s, const struct node_config *cfg, int i,
			uint8_t member[32], char *endpoint)
{
	if (!peer_resolve(s, cfg->peers[i], member, endpoint))
		return 0;
	if (!cfg->peer_lines[i])
		return -1;
	char why[400];
	snprintf(why, sizeof why, "%s", err_msg());
	return err_set("%s:%d: %s", cfg->file, cfg->peer_lines[i], why);
}
