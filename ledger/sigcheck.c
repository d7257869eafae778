/* sigcheck.c - signatures checked on worker threads (sigcheck.h). */
#include "sigcheck.h"
#include "err.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS_MAX 16

struct sigcheck {
	pthread_t th[THREADS_MAX];
	int n;
	pthread_mutex_t mu;
	pthread_cond_t work, finished;
	struct sigcheck_chunk *job;
	unsigned gen;
	int quit;
	struct sigcheck_chunk *chunks;     /* two */
	struct sigcheck_chunk *fill, *out; /* being filled; with the workers */
};

/* Takes 16 entries at a time until none is left. */
static void check_some(struct sigcheck_chunk *c)
{
	size_t i;
	while ((i = atomic_fetch_add(&c->next, 16)) < c->n) {
		size_t end = i + 16 < c->n ? i + 16 : c->n;
		for (size_t k = i; k < end; k++)
			c->ok[k] = c->decoded[k] && entry_verify(&c->e[k]) == 0;
		atomic_fetch_add(&c->done, end - i);
	}
}

static void *worker(void *arg)
{
	struct sigcheck *p = arg;
	unsigned seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->gen == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		struct sigcheck_chunk *c = p->job;
		pthread_mutex_unlock(&p->mu);
		check_some(c);
		pthread_mutex_lock(&p->mu);
		if (atomic_load(&c->done) >= c->n)
			pthread_cond_broadcast(&p->finished);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct sigcheck *sigcheck_start(int threads)
{
	struct sigcheck *p = calloc(1, sizeof *p);
	if (!p || !(p->chunks = calloc(2, sizeof *p->chunks))) {
		free(p);
		err_set("out of memory");
		return NULL;
	}
	p->fill = &p->chunks[0];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int want = threads > 0 ? threads : (int)(cores > 0 ? cores : 1);
	if (want > THREADS_MAX)
		want = THREADS_MAX;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->finished, NULL);
	while (p->n < want && pthread_create(&p->th[p->n], NULL, worker, p) == 0)
		p->n++;
	return p;
}

int sigcheck_threads(const struct sigcheck *p)
{
	return p->n;
}

static void submit(struct sigcheck *p, struct sigcheck_chunk *c)
{
	atomic_store(&c->next, 0);
	atomic_store(&c->done, 0);
	pthread_mutex_lock(&p->mu);
	p->job = c;
	p->gen++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

static void wait_for(struct sigcheck *p, struct sigcheck_chunk *c)
{
	check_some(c); /* whatever is left, the caller's thread takes too */
	pthread_mutex_lock(&p->mu);
	while (atomic_load(&c->done) < c->n)
		pthread_cond_wait(&p->finished, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

struct sigcheck_chunk *sigcheck_filling(struct sigcheck *p)
{
	return p->fill;
}

struct sigcheck_chunk *sigcheck_next(struct sigcheck *p)
{
	/* the workers check this chunk while the caller takes the previous
	 * one (then refills it): neither waits for the other */
	struct sigcheck_chunk *checked = p->out;
	if (checked)
		wait_for(p, checked);
	submit(p, p->fill);
	p->out = p->fill;
	p->fill = p->fill == &p->chunks[0] ? &p->chunks[1] : &p->chunks[0];
	return checked;
}

struct sigcheck_chunk *sigcheck_drain(struct sigcheck *p)
{
	struct sigcheck_chunk *c = p->out;
	if (c) {
		wait_for(p, c);
		p->out = NULL;
		return c;
	}
	if (!p->fill->n) /* none left, or taken and cleared */
		return NULL;
	submit(p, p->fill);
	wait_for(p, p->fill);
	return p->fill;
}

void sigcheck_clear(struct sigcheck_chunk *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->decoded[i])
			entry_free(&c->e[i]);
	c->n = 0;
}

void sigcheck_stop(struct sigcheck **pp)
{
	struct sigcheck *p = *pp;
	if (!p)
		return;
	if (p->out) /* the workers may still be reading it */
		wait_for(p, p->out);
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	/* a worker past the last entry still reads the chunk's counters */
	for (int i = 0; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	sigcheck_clear(&p->chunks[0]);
	sigcheck_clear(&p->chunks[1]);
	free(p->chunks);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->finished);
	free(p);
	*pp = NULL;
}
