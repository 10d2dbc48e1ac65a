/*
 * ntosim-ham: command line of the restart manager (see ntosim-ham(8)):
 * the configuration file, -o settings and a one-off command after --. The
 * manager itself is ham.c and its neighbours.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ham.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ntosim-ham [-v] [-f CONFIG] [-n NAME] [-S "
		"STATEFILE|none]"
		"\n                  [-o KEY=VALUE]... [-N SERVER] "
		"[-- COMMAND [ARG]...]\n"
		"  -f CONFIG    servers to manage, one [name] stanza each\n"
		"  -n NAME      control name to attach (default %s)\n"
		"  -S FILE      state file for adoption (default: beside "
		"ipcd's socket)\n"
		"  -o KEY=VAL   a setting for every server (overrides "
		"CONFIG)\n"
		"  -N SERVER    name of the one-off server after --\n"
		"  -v           log state changes too\n"
		"See ntosim-ham(8).\n",
		HAM_DEFAULT_NAME);
}

int main(int argc, char **argv)
{
	struct ham_config cfg;
	struct ham h;
	const char *file = NULL, *oneoff = NULL, *state = NULL;
	char **opts = calloc((size_t)argc + 1, sizeof(char *));
	char *state_alloc = NULL;
	int nopts = 0, c, rc = 2;
	char err[512];

	memset(&h, 0, sizeof(h));
	h.name = HAM_DEFAULT_NAME;
	ham_config_init(&cfg);
	if (!opts)
		return 1;
	while ((c = getopt(argc, argv, "+vf:n:S:o:N:h")) != -1) {
		switch (c) {
		case 'v':
			h.verbose = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'n':
			h.name = optarg;
			break;
		case 'S':
			state = optarg;
			break;
		case 'o':
			opts[nopts++] = optarg;
			break;
		case 'N':
			oneoff = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (!*h.name || strchr(h.name, '/')) {
		fprintf(stderr, "ntosim-ham: bad control name '%s'\n", h.name);
		goto out;
	}
	/* -o first as defaults (a one-off inherits them), then again over
	 * every server of the file, so the command line wins */
	for (int i = 0; i < nopts; i++) {
		char *eq = strchr(opts[i], '=');

		if (!eq) {
			fprintf(stderr, "ntosim-ham: -o %s: want KEY=VALUE\n",
				opts[i]);
			goto out;
		}
		*eq = '\0';
		if (!strcmp(opts[i], "command") ||
		    ham_spec_set(&cfg.defaults, opts[i], eq + 1, err,
				 sizeof(err)) < 0) {
			fprintf(stderr, "ntosim-ham: -o %s: %s\n", opts[i],
				strcmp(opts[i], "command") ? err
							   : "use -- COMMAND");
			goto out;
		}
	}
	if (file && ham_config_load(&cfg, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "ntosim-ham: %s\n", err);
		goto out;
	}
	for (int s = 0; s < cfg.n; s++)
		for (int i = 0; i < nopts; i++)
			if (strcmp(opts[i], "ready"))
				ham_spec_set(&cfg.spec[s], opts[i],
					     opts[i] + strlen(opts[i]) + 1, err,
					     sizeof(err));
	if (optind < argc && ham_config_add_argv(&cfg, oneoff, argv + optind,
						 err, sizeof(err)) < 0) {
		fprintf(stderr, "ntosim-ham: %s\n", err);
		goto out;
	}
	if (cfg.n == 0) {
		fprintf(stderr, "ntosim-ham: nothing to manage: give -f CONFIG "
				"or -- COMMAND\n");
		usage(stderr);
		goto out;
	}
	if (state && !strcmp(state, "none"))
		h.state_path = NULL;
	else if (state)
		h.state_path = state;
	else
		h.state_path = state_alloc = ham_state_default_path(h.name);
	rc = ham_init(&h, &cfg);
	if (rc < 0) {
		fprintf(stderr, "ntosim-ham: cannot initialise: %s\n",
			strerror(-rc));
		rc = 1;
	} else {
		rc = ham_run(&h);
	}
	ham_free(&h);
out:
	ham_config_free(&cfg);
	free(opts);
	free(state_alloc);
	return rc;
}
