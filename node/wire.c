/* wire.c - see wire.h for the layout of each frame. */
#include "wire.h"
#include "util.h"

#include <sodium.h>
#include <string.h>

void wire_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t wire_get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void wire_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t wire_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int wire_heads_parse(const uint8_t *buf, size_t len, struct wire_head *out,
		     size_t max, size_t *n)
{
	if (len % WIRE_HEAD_SIZE)
		return err_set("heads frame of %zu bytes is not a multiple of %d", len,
			       WIRE_HEAD_SIZE);
	size_t count = len / WIRE_HEAD_SIZE;
	if (count > max)
		return err_set("heads frame lists %zu feeds, at most %zu", count, max);
	for (size_t i = 0; i < count; i++) {
		const uint8_t *p = buf + i * WIRE_HEAD_SIZE;
		memcpy(out[i].author, p, 32);
		out[i].seq = wire_get_u64(p + 32);
		memcpy(out[i].id, p + 40, 32);
		if (out[i].seq == 0 || out[i].seq > INT64_MAX)
			return err_set("heads frame has seq out of range");
	}
	*n = count;
	return 0;
}

void wire_head_put(uint8_t *p, const struct wire_head *h)
{
	memcpy(p, h->author, 32);
	wire_put_u64(p + 32, h->seq);
	memcpy(p + 40, h->id, 32);
}

int wire_get_parse(const uint8_t *buf, size_t len, struct wire_get *g)
{
	if (len != WIRE_GET_SIZE)
		return err_set("get frame of %zu bytes, not %d", len, WIRE_GET_SIZE);
	memcpy(g->author, buf, 32);
	g->from = wire_get_u64(buf + 32);
	g->count = wire_get_u32(buf + 40);
	if (g->from == 0 || g->from > INT64_MAX || g->count == 0)
		return err_set("get frame asks for seq %llu count %u",
			       (unsigned long long)g->from, g->count);
	if (g->count > WIRE_BATCH_MAX)
		g->count = WIRE_BATCH_MAX;
	return 0;
}

void wire_get_put(uint8_t *p, const struct wire_get *g)
{
	memcpy(p, g->author, 32);
	wire_put_u64(p + 32, g->from);
	wire_put_u32(p + 40, g->count);
}

int wire_pack_parse(const uint8_t *buf, size_t len, struct raw_entry *out,
		    size_t max, size_t *n)
{
	size_t off = 0, count = 0;
	if (len > WIRE_MSG_MAX)
		return err_set("entries frame too large");
	while (off < len) {
		if (count == max)
			return err_set("entries frame holds more than %zu entries", max);
		if (len - off < 4)
			return err_set("entries frame truncated");
		uint32_t bl = wire_get_u32(buf + off);
		off += 4;
		if (bl == 0 || bl > ENTRY_BODY_MAX)
			return err_set("entry of %u bytes in entries frame", bl);
		if (len - off < (size_t)bl + KEY_SIG_BYTES)
			return err_set("entries frame truncated");
		out[count].body = buf + off;
		out[count].body_len = bl;
		out[count].sig = buf + off + bl;
		out[count].sig_len = KEY_SIG_BYTES;
		off += bl + KEY_SIG_BYTES;
		count++;
	}
	*n = count;
	return 0;
}

int wire_pack_add(uint8_t *buf, size_t cap, size_t *len, const uint8_t *body,
		  size_t body_len, const uint8_t *sig)
{
	if (body_len > ENTRY_BODY_MAX || cap - *len < 4 + body_len + KEY_SIG_BYTES)
		return -1;
	wire_put_u32(buf + *len, (uint32_t)body_len);
	memcpy(buf + *len + 4, body, body_len);
	memcpy(buf + *len + 4 + body_len, sig, KEY_SIG_BYTES);
	*len += 4 + body_len + KEY_SIG_BYTES;
	return 0;
}

/* What a comparison of heads costs when nothing changed: one hash of all
 * of them (in the order of their authors), 32 bytes each way per peer and
 * interval, whatever the federation's size. */
void wire_heads_digest(const struct wire_head *h, size_t n, uint8_t out[32])
{
	static const char tag[] = "mutua heads v1";
	crypto_generichash_state st;
	uint8_t b[WIRE_HEAD_SIZE];
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1);
	for (size_t i = 0; i < n; i++) {
		wire_head_put(b, &h[i]);
		crypto_generichash_update(&st, b, sizeof b);
	}
	crypto_generichash_final(&st, out, 32);
}
