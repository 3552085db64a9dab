/*
 * Unit tests for the logout state files (session_state.h) in a temporary
 * folder: names, round trips, ownership checks and the sweep.
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "session_state.h"

#define TEMP_TEMPLATE "/tmp/pam_sso_state.XXXXXX"
#define TOKEN "aoaAAAAAGdQ2xpZW50U2VjcmV0+/=:x"
#define PORTAL "https://127.0.0.1:8443"

struct fixture {
    char root[sizeof(TEMP_TEMPLATE)];
    char dir[PATH_MAX];
};

static int
setup(void **state)
{
    struct fixture *fixture = calloc(1, sizeof(*fixture));

    assert_non_null(fixture);
    strcpy(fixture->root, TEMP_TEMPLATE);
    assert_non_null(mkdtemp(fixture->root));
    snprintf(fixture->dir, sizeof(fixture->dir), "%s/state", fixture->root);
    *state = fixture;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fixture = *state;
    char command[PATH_MAX + 16];

    snprintf(command, sizeof(command), "rm -rf '%s'", fixture->root);
    assert_int_equal(system(command), 0);
    free(fixture);
    return 0;
}

/* Count the entries of DIR other than . and ..; the last one's name goes
 * to NAME when NAME is not NULL.  A missing DIR has none. */
static int
count_entries(const char *dir, char *name, size_t size)
{
    DIR *listing = opendir(dir);
    struct dirent *entry;
    int count = 0;

    if (listing == NULL)
        return 0;
    while ((entry = readdir(listing)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        count++;
        if (name != NULL)
            snprintf(name, size, "%s", entry->d_name);
    }
    closedir(listing);
    return count;
}

static void
save(const struct fixture *fixture, const char *user, time_t expiry,
     char *name)
{
    char error[SSO_STATE_ERROR_MAX];

    assert_int_equal(sso_state_save(fixture->dir, user, PORTAL, NULL, TOKEN,
                                    expiry, name, error), 0);
}

static void
test_name_shapes(void **state)
{
    (void) state;

    assert_true(sso_state_name_valid("1765000000-0123456789abcdef0123456789abcdef"));
    assert_false(sso_state_name_valid("1765000000-0123456789ABCDEF0123456789abcdef"));
    assert_false(sso_state_name_valid("1765000000-0123456789abcdef0123456789abcde"));
    assert_false(sso_state_name_valid("1765000000-0123456789abcdef0123456789abcdef0"));
    assert_false(sso_state_name_valid("-0123456789abcdef0123456789abcdef"));
    assert_false(sso_state_name_valid("../1765000000-0123456789abcdef0123456789abcdef"));
    assert_false(sso_state_name_valid("1765000000-0123456789abcdef0123456789abcdef/x"));
    /* Claimed names never travel in the PAM environment. */
    assert_false(sso_state_name_valid(
        "1765000000-0123456789abcdef0123456789abcdef.123-456"));
    assert_false(sso_state_name_valid(""));
}

static void
test_save_creates_private_folder_and_file(void **state)
{
    struct fixture *fixture = *state;
    char name[SSO_STATE_NAME_MAX];
    char listed[SSO_STATE_NAME_MAX];
    char path[PATH_MAX + SSO_STATE_NAME_MAX];
    struct stat st;

    save(fixture, "alice", time(NULL) + 3600, name);

    assert_true(sso_state_name_valid(name));
    assert_int_equal(stat(fixture->dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(count_entries(fixture->dir, listed, sizeof(listed)), 1);
    assert_string_equal(listed, name);
    snprintf(path, sizeof(path), "%s/%s", fixture->dir, name);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_take_returns_fields_once(void **state)
{
    struct fixture *fixture = *state;
    struct sso_state taken;
    char name[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];

    save(fixture, "alice smith", time(NULL) + 3600, name);

    assert_int_equal(sso_state_take(fixture->dir, name, "alice smith", &taken,
                                    error), 0);
    assert_string_equal(taken.user, "alice smith");
    assert_string_equal(taken.portal_url, PORTAL);
    assert_null(taken.ca_file);
    assert_string_equal(taken.token, TOKEN);
    sso_state_clear(&taken);

    assert_int_equal(count_entries(fixture->dir, NULL, 0), 0);
    assert_int_equal(sso_state_take(fixture->dir, name, "alice smith", &taken,
                                    error), -1);
}

static void
test_take_refuses_another_user(void **state)
{
    struct fixture *fixture = *state;
    struct sso_state taken;
    char name[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];

    save(fixture, "alice", time(NULL) + 3600, name);

    assert_int_equal(sso_state_take(fixture->dir, name, "bob", &taken, error),
                     -1);
    assert_string_equal(error, "the state file belongs to another user");
    assert_null(taken.token);
    assert_int_equal(count_entries(fixture->dir, NULL, 0), 1);
}

static void
test_save_refuses_line_breaks(void **state)
{
    struct fixture *fixture = *state;
    char name[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];

    assert_int_equal(sso_state_save(fixture->dir, "alice\ntoken=x", PORTAL,
                                    NULL, TOKEN, time(NULL) + 60, name,
                                    error), -1);
    assert_int_equal(sso_state_save(fixture->dir, "alice", PORTAL, NULL,
                                    "tok en", time(NULL) + 60, name, error),
                     -1);
    assert_string_equal(name, "");
    assert_int_equal(count_entries(fixture->dir, NULL, 0), 0);
}

static void
test_claim_renames_for_this_process(void **state)
{
    struct fixture *fixture = *state;
    struct sso_state taken;
    char name[SSO_STATE_NAME_MAX];
    char claimed[SSO_STATE_NAME_MAX];
    char listed[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];
    char prefix[SSO_STATE_NAME_MAX + 32];

    save(fixture, "alice", time(NULL) + 3600, name);

    assert_int_equal(sso_state_claim(fixture->dir, name, "alice", claimed,
                                     error), 0);
    snprintf(prefix, sizeof(prefix), "%s.%ld-", name, (long) getpid());
    assert_memory_equal(claimed, prefix, strlen(prefix));
    assert_int_equal(count_entries(fixture->dir, listed, sizeof(listed)), 1);
    assert_string_equal(listed, claimed);

    assert_int_equal(sso_state_take(fixture->dir, claimed, "alice", &taken,
                                    error), 0);
    assert_string_equal(taken.token, TOKEN);
    sso_state_clear(&taken);
}

static void
test_claim_refuses_another_user(void **state)
{
    struct fixture *fixture = *state;
    char name[SSO_STATE_NAME_MAX];
    char claimed[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];

    save(fixture, "alice", time(NULL) + 3600, name);

    assert_int_equal(sso_state_claim(fixture->dir, name, "bob", claimed,
                                     error), -1);
    assert_string_equal(claimed, "");
}

static void
test_sweep_keeps_unexpired_and_live(void **state)
{
    struct fixture *fixture = *state;
    char name[SSO_STATE_NAME_MAX];
    char bob[SSO_STATE_NAME_MAX];
    char claimed[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];
    time_t now = time(NULL);

    save(fixture, "alice", now + 3600, name);
    save(fixture, "bob", now - 10, bob);
    assert_int_equal(sso_state_claim(fixture->dir, bob, "bob", claimed,
                                     error), 0);

    /* Bob's credentials expired, but this process claimed his file. */
    assert_int_equal(sso_state_sweep(fixture->dir, now, error), 0);
    assert_int_equal(count_entries(fixture->dir, NULL, 0), 2);
}

static void
test_sweep_removes_expired_unclaimed_and_orphaned(void **state)
{
    struct fixture *fixture = *state;
    char name[SSO_STATE_NAME_MAX];
    char bob[SSO_STATE_NAME_MAX];
    char claimed[SSO_STATE_NAME_MAX];
    char path[PATH_MAX + SSO_STATE_NAME_MAX];
    char orphan[PATH_MAX + SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];
    time_t now = time(NULL);

    save(fixture, "alice", now - 10, name);
    save(fixture, "bob", now - 10, bob);
    assert_int_equal(sso_state_claim(fixture->dir, bob, "bob", claimed,
                                     error), 0);

    /* The same holder pid with another start time: a reused process id. */
    snprintf(path, sizeof(path), "%s/%s", fixture->dir, claimed);
    snprintf(orphan, sizeof(orphan), "%s/%.*s.%ld-1", fixture->dir,
             (int) strcspn(claimed, "."), claimed, (long) getpid());
    assert_int_equal(rename(path, orphan), 0);

    assert_int_equal(sso_state_sweep(fixture->dir, now, error), 2);
    assert_int_equal(count_entries(fixture->dir, NULL, 0), 0);
}

static void
test_sweep_removes_unclaimed_after_grace(void **state)
{
    struct fixture *fixture = *state;
    char name[SSO_STATE_NAME_MAX];
    char bob[SSO_STATE_NAME_MAX];
    char claimed[SSO_STATE_NAME_MAX];
    char listed[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];
    time_t now = time(NULL);

    save(fixture, "alice", now + 7200, name);
    save(fixture, "bob", now + 7200, bob);
    assert_int_equal(sso_state_claim(fixture->dir, bob, "bob", claimed,
                                     error), 0);

    /* Four minutes on, both stay; six minutes on, only the claimed one. */
    assert_int_equal(sso_state_sweep(fixture->dir, now + 240, error), 0);
    assert_int_equal(count_entries(fixture->dir, NULL, 0), 2);
    assert_int_equal(sso_state_sweep(fixture->dir, now + 360, error), 1);
    assert_int_equal(count_entries(fixture->dir, listed, sizeof(listed)), 1);
    assert_string_equal(listed, claimed);
}

static void
test_sweep_leaves_foreign_names_and_missing_folder(void **state)
{
    struct fixture *fixture = *state;
    char name[SSO_STATE_NAME_MAX];
    char path[PATH_MAX + 16];
    char error[SSO_STATE_ERROR_MAX];
    FILE *file;

    assert_int_equal(sso_state_sweep(fixture->dir, time(NULL), error), 0);

    save(fixture, "alice", time(NULL) + 3600, name);
    snprintf(path, sizeof(path), "%s/notes", fixture->dir);
    file = fopen(path, "w");
    assert_non_null(file);
    fclose(file);
    assert_int_equal(sso_state_sweep(fixture->dir, time(NULL) + 7200, error),
                     1);
    assert_int_equal(count_entries(fixture->dir, NULL, 0), 1);
}

static void
test_folder_open_to_others_is_refused(void **state)
{
    struct fixture *fixture = *state;
    char name[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];

    assert_int_equal(mkdir(fixture->dir, 0700), 0);
    assert_int_equal(chmod(fixture->dir, 0711), 0);

    assert_int_equal(sso_state_save(fixture->dir, "alice", PORTAL, NULL, TOKEN,
                                    time(NULL) + 60, name, error), -1);
    assert_non_null(strstr(error, "no access for group or others"));
    assert_int_equal(sso_state_sweep(fixture->dir, time(NULL), error), -1);
}

static void
test_relative_or_root_folder_is_refused(void **state)
{
    char name[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];

    (void) state;
    assert_int_equal(sso_state_save("state", "alice", PORTAL, NULL, TOKEN,
                                    time(NULL) + 60, name, error), -1);
    assert_int_equal(sso_state_save("/", "alice", PORTAL, NULL, TOKEN,
                                    time(NULL) + 60, name, error), -1);
    assert_int_equal(sso_state_save("/tmp/..", "alice", PORTAL, NULL, TOKEN,
                                    time(NULL) + 60, name, error), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_shapes),
        cmocka_unit_test_setup_teardown(
            test_save_creates_private_folder_and_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_returns_fields_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_take_refuses_another_user, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_save_refuses_line_breaks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_claim_renames_for_this_process,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_refuses_another_user, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sweep_keeps_unexpired_and_live,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_sweep_removes_expired_unclaimed_and_orphaned, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_sweep_removes_unclaimed_after_grace, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_sweep_leaves_foreign_names_and_missing_folder, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_folder_open_to_others_is_refused,
                                        setup, teardown),
        cmocka_unit_test(test_relative_or_root_folder_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
