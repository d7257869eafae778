/* help.h - the help of each mutua command, as data: its synopsis, one line
 * per option, an example; and the suggestions for a misspelt word. */
#ifndef MUTUA_HELP_H
#define MUTUA_HELP_H

#include <stddef.h>
#include <stdio.h>

/* One option: "--name" or "--name VALUE" (a value follows), and one line. */
struct help_opt {
	const char *spec;
	const char *text;
};

struct help_cmd {
	const char *name;
	const char *synopsis;          /* lines after "usage: ", '\n' between */
	const struct help_opt *opts;   /* ends with {NULL, NULL} */
	const char *example;           /* one or more lines, '\n' between */
};

/* The help of a command, or NULL. */
const struct help_cmd *help_find(const char *name);
/* Prints a command's synopsis, "usage: " first. */
void help_usage(FILE *f, const struct help_cmd *h);
/* Prints a command's help: usage, options, the global options, example. */
void help_print(FILE *f, const char *summary, const struct help_cmd *h);
/* The option of h named by arg ("--name" or "--name=VALUE", or an
 * unambiguous prefix of the name, as getopt_long takes), or NULL. */
const struct help_opt *help_option(const struct help_cmd *h, const char *arg);
/* Whether the option spec takes a value. */
int help_opt_takes_value(const struct help_opt *o);

/* Damerau-Levenshtein distance (optimal string alignment) between a and b,
 * in bytes; SIZE_MAX when either is longer than HELP_WORD_MAX bytes. */
#define HELP_DISTANCE_MAX 2
#define HELP_WORD_MAX 64
size_t help_distance(const char *a, const char *b);
/* The nearest of n words (at most HELP_DISTANCE_MAX away), or NULL. */
const char *help_suggest(const char *word, const char *const *words, size_t n);

#endif
