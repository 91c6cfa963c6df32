/*
 * standalone.c - replay inputs through a fuzz harness without libFuzzer
 * (STYLE 18; model: cmark and pcre2 fuzz support).  Built with the normal
 * compiler by `make fuzz-replay`, run by `make check`
 * (tests/check.d/fuzz-replay.sh) over fuzz/seeds/<harness> and
 * fuzz/crashes/<harness>, so every seed and every saved crash stays a
 * regression test, under ASan/UBSan in `make asan` and under valgrind in
 * `make valgrind`.
 *
 * usage: fuzz_HARNESS [-v] FILE|DIR ...
 * Directories are read one level deep, in name order, dot files skipped.
 * Each input is copied into a buffer of exactly its size, so an overread
 * by one byte is caught the way libFuzzer would catch it.  Exit 0 when
 * every input was replayed, 1 when an input could not be read; a bug
 * crashes (abort, sanitizer or signal).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Inputs larger than this are skipped: libFuzzer's -max_len is lower. */
#define REPLAY_MAX	(64u * 1024 * 1024)

static int	 verbose;
static size_t	 replayed;

/* Optional in a harness: libFuzzer calls it when it exists. */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Replay one file; -1 when it cannot be read. */
static int
replay_file(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 size;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 || (unsigned long)size > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: cannot size, or too big\n",
		    path);
		fclose(f);
		return -1;
	}
	/* malloc(0) may return NULL: always ask for at least one byte,
	 * but hand the harness exactly size bytes. */
	if ((buf = malloc(size > 0 ? (size_t)size : 1)) == NULL) {
		fclose(f);
		fprintf(stderr, "replay: %s: out of memory\n", path);
		return -1;
	}
	n = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (n != (size_t)size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(buf);
		return -1;
	}
	if (verbose)
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	(void)LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
	free(buf);
	replayed++;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file of a directory, in name order. */
static int
replay_dir(const char *path)
{
	DIR	*dir;
	struct dirent *de;
	char	**names = NULL, **p, full[4096];
	size_t	 n = 0, cap = 0, i;
	int	 rc = 0;
	struct stat st;

	if ((dir = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((p = realloc(names, cap * sizeof(*p))) == NULL) {
				rc = -1;
				break;
			}
			names = p;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(dir);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path,
		    names[i]) < sizeof(full) && stat(full, &st) == 0 &&
		    S_ISREG(st.st_mode) && replay_file(full) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int	 i, rc = 0;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s [-v] FILE|DIR ...\n", argv[0]);
		return 2;
	}
	(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			/* A harness with no crashes yet has no directory. */
			if (errno == ENOENT)
				continue;
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i]) == -1)
				rc = 1;
		} else if (replay_file(argv[i]) == -1)
			rc = 1;
	}
	printf("replay: %zu inputs\n", replayed);
	return rc;
}
