/*
 * Runs one fuzz target over saved inputs, without libFuzzer, so that the
 * seed corpus and the regression inputs run in `make check` with any
 * compiler.
 *
 * Usage: replay_TARGET [FILE | FOLDER]...
 * A folder contributes its files in name order; names starting with '.'
 * are skipped.  With no argument, the program runs
 * $srcdir/tests/fuzz/corpus/TARGET and $srcdir/tests/fuzz/regressions/TARGET
 * (srcdir defaults to "."), where FUZZ_TARGET, set when compiling, names
 * TARGET.  The regression folder may be missing, the corpus folder may not.
 *
 * Each input counts as one test.  The summary lines copy cmocka's, so that
 * scripts/test counts these tests the way it counts the unit tests.  A
 * target that finds a broken contract aborts, and the missing summary
 * makes the run count as failed.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target, e.g. -DFUZZ_TARGET='\"rules\"'"
#endif

/* Larger than any input a target looks at: each returns early above its
 * own bound, which is at most one response body. */
#define REPLAY_INPUT_MAX (2 * 1024 * 1024)

struct tally {
    unsigned int run;
    unsigned int unreadable;
};

/* Read PATH whole into a new buffer of *SIZE bytes, or return NULL. */
static uint8_t *
read_input(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t length = 0;

    if (file == NULL) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }

    /* One byte more than the limit shows that a file is too large. */
    data = malloc(REPLAY_INPUT_MAX + 1);
    if (data == NULL) {
        fprintf(stderr, "%s: out of memory\n", path);
        goto done;
    }
    length = fread(data, 1, REPLAY_INPUT_MAX + 1, file);
    if (ferror(file)) {
        fprintf(stderr, "%s: read failed\n", path);
        free(data);
        data = NULL;
    } else if (length > REPLAY_INPUT_MAX) {
        fprintf(stderr, "%s: larger than %d bytes\n", path, REPLAY_INPUT_MAX);
        free(data);
        data = NULL;
    }

done:
    fclose(file);
    *size = length;
    return data;
}

static void
replay_file(const char *path, struct tally *tally)
{
    size_t size = 0;
    uint8_t *data = read_input(path, &size);

    if (data == NULL) {
        tally->unreadable++;
        return;
    }

    printf("[ RUN      ] %s\n", path);
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, size);
    printf("[       OK ] %s\n", path);
    tally->run++;
    free(data);
}

static int
skip_hidden(const struct dirent *entry)
{
    return entry->d_name[0] != '.';
}

/* Replay every file in FOLDER.  Returns false when it cannot be listed. */
static bool
replay_folder(const char *folder, struct tally *tally)
{
    struct dirent **entries = NULL;
    int count = scandir(folder, &entries, skip_hidden, alphasort);
    int i;

    if (count < 0)
        return false;

    for (i = 0; i < count; i++) {
        char path[4096];

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", folder,
                              entries[i]->d_name) >= sizeof(path)) {
            fprintf(stderr, "%s/%s: path too long\n", folder,
                    entries[i]->d_name);
            tally->unreadable++;
        } else {
            replay_file(path, tally);
        }
        free(entries[i]);
    }
    free(entries);
    return true;
}

static void
replay_argument(const char *path, struct tally *tally)
{
    struct stat st;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!replay_folder(path, tally)) {
            fprintf(stderr, "%s: cannot list: %s\n", path, strerror(errno));
            tally->unreadable++;
        }
        return;
    }
    replay_file(path, tally);
}

/* The folders of FUZZ_TARGET under $srcdir. */
static void
replay_defaults(struct tally *tally)
{
    const char *srcdir = getenv("srcdir");
    char corpus[4096];
    char regressions[4096];

    if (srcdir == NULL || srcdir[0] == '\0')
        srcdir = ".";
    snprintf(corpus, sizeof(corpus), "%s/tests/fuzz/corpus/%s", srcdir,
             FUZZ_TARGET);
    snprintf(regressions, sizeof(regressions),
             "%s/tests/fuzz/regressions/%s", srcdir, FUZZ_TARGET);

    if (!replay_folder(corpus, tally)) {
        fprintf(stderr, "%s: cannot list: %s\n", corpus, strerror(errno));
        tally->unreadable++;
    }
    if (!replay_folder(regressions, tally) && errno != ENOENT) {
        fprintf(stderr, "%s: cannot list: %s\n", regressions,
                strerror(errno));
        tally->unreadable++;
    }
}

int
main(int argc, char **argv)
{
    struct tally tally = { 0, 0 };
    int i;

    printf("[==========] Replaying inputs of fuzz target %s.\n", FUZZ_TARGET);
    if (argc < 2)
        replay_defaults(&tally);
    for (i = 1; i < argc; i++)
        replay_argument(argv[i], &tally);

    printf("[==========] %u test(s) run.\n", tally.run);
    printf("[  PASSED  ] %u test(s).\n", tally.run);
    if (tally.unreadable > 0 || tally.run == 0) {
        /* An unreadable input or an empty corpus is a failure, because a
         * replay that ran nothing would pass without testing anything. */
        printf("[  FAILED  ] %u test(s), listed above.\n",
               tally.unreadable > 0 ? tally.unreadable : 1);
        return 1;
    }
    return 0;
}
