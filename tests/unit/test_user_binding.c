/*
 * Unit tests for the caller ARN, the user_match modes (user_binding.h) and
 * the user map file (user_map.h).
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "user_binding.h"
#include "user_map.h"

#define ACCOUNT "111122223333"
#define ROLE "Admin_Ops"
#define ROLE_ARN_HEAD \
    "arn:aws:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_" ROLE \
    "_0123456789abcdef/"

static const struct sso_user_match exact = { SSO_USER_MATCH_EXACT, NULL };
static const struct sso_user_match localpart = { SSO_USER_MATCH_LOCALPART,
                                                 NULL };
static const struct sso_user_match none = { SSO_USER_MATCH_NONE, NULL };
static const struct sso_user_match by_map = { SSO_USER_MATCH_MAP,
                                              (char *) "/m" };

/* sso_caller_session_name */

static void
session_name_from_identity_center_arns(void **state)
{
    static const struct {
        const char *arn;
        const char *name;
    } cases[] = {
        { ROLE_ARN_HEAD "alice", "alice" },
        { ROLE_ARN_HEAD "a.b-c+d@example.com", "a.b-c+d@example.com" },
        { "arn:aws-us-gov:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_"
          ROLE "_ABCDEF0123456789/bob", "bob" },
        { "arn:aws-cn:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_" ROLE
          "_f/x=y,z_1", "x=y,z_1" },
    };
    char name[SSO_SESSION_NAME_MAX + 1];
    const char *reason = NULL;
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("ARN '%s'\n", cases[i].arn);
        assert_int_equal(sso_caller_session_name(cases[i].arn, ACCOUNT, ROLE,
                                                 name, &reason),
                         0);
        assert_string_equal(name, cases[i].name);
    }
}

static void
session_name_refuses_other_arns(void **state)
{
    static const char *const arns[] = {
        /* Not Identity Center roles, or not roles at all. */
        "arn:aws:sts::" ACCOUNT ":assumed-role/MyRole/alice",
        "arn:aws:iam::" ACCOUNT ":user/alice",
        "arn:aws:sts::" ACCOUNT ":federated-user/alice",
        "arn:aws:iam::" ACCOUNT ":role/aws-reserved/sso.amazonaws.com/"
        "AWSReservedSSO_" ROLE "_0123456789abcdef",
        /* Another account or another role than the one chosen. */
        "arn:aws:sts::999922223333:assumed-role/AWSReservedSSO_" ROLE
        "_0123456789abcdef/alice",
        "arn:aws:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_Admin"
        "_0123456789abcdef/alice",
        "arn:aws:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_" ROLE
        "X_0123456789abcdef/alice",
        /* Broken shapes. */
        "arn:aws:sts:us-east-1:" ACCOUNT ":assumed-role/AWSReservedSSO_"
        ROLE "_0123456789abcdef/alice",
        "arn:aws:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_" ROLE
        "_/alice",
        "arn:aws:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_" ROLE
        "_01234-6789abcdef/alice",
        "arn:aws:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_" ROLE
        "_0123456789abcdef",
        "arn:AWS:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_" ROLE
        "_0123456789abcdef/alice",
        ":aws:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_" ROLE
        "_0123456789abcdef/alice",
        /* Session names STS never gives. */
        ROLE_ARN_HEAD "a",
        ROLE_ARN_HEAD "",
        ROLE_ARN_HEAD "alice/extra",
        ROLE_ARN_HEAD "alice smith",
        ROLE_ARN_HEAD "alice\n",
        ROLE_ARN_HEAD "al\xc3\xaf" "ce",
        ROLE_ARN_HEAD "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                      "aaaa5",
    };
    char name[SSO_SESSION_NAME_MAX + 1];
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(arns) / sizeof(arns[0]); i++) {
        const char *reason = NULL;

        print_message("ARN '%s'\n", arns[i]);
        assert_int_equal(sso_caller_session_name(arns[i], ACCOUNT, ROLE, name,
                                                 &reason),
                         -1);
        assert_non_null(reason);
        assert_string_equal(name, "");
    }
}

static void
session_name_keeps_64_characters(void **state)
{
    /* 64 characters is a valid session name; the binding, not the ARN
     * parser, refuses it. */
    static const char long_name[] =
        "a123456789b123456789c123456789d123456789e123456789f123456789@x.y";
    char name[SSO_SESSION_NAME_MAX + 1];
    const char *reason = NULL;

    (void) state;
    assert_int_equal(strlen(long_name), 64);
    assert_int_equal(sso_caller_session_name(ROLE_ARN_HEAD
                                             "a123456789b123456789c123456789"
                                             "d123456789e123456789f123456789"
                                             "@x.y",
                                             ACCOUNT, ROLE, name, &reason),
                     0);
    assert_string_equal(name, long_name);
}

/* sso_user_binding_check */

static void
exact_compares_bytes(void **state)
{
    (void) state;
    assert_int_equal(sso_user_binding_check(&exact, NULL, NULL, "alice",
                                            "alice"),
                     SSO_BINDING_OK);
    assert_int_equal(sso_user_binding_check(&exact, NULL, NULL, "Alice",
                                            "alice"),
                     SSO_BINDING_MISMATCH);
    assert_int_equal(sso_user_binding_check(&exact, NULL, NULL, "alice",
                                            "alice "),
                     SSO_BINDING_MISMATCH);
    assert_int_equal(sso_user_binding_check(&exact, NULL, NULL,
                                            "alice@example.com", "alice"),
                     SSO_BINDING_MISMATCH);
    assert_int_equal(sso_user_binding_check(&exact, NULL, NULL,
                                            "a.b-c+d@example.com",
                                            "a.b-c+d@example.com"),
                     SSO_BINDING_OK);
}

static void
localpart_needs_the_domain(void **state)
{
    static const struct {
        const char *name;
        const char *user;
        enum sso_binding_result result;
    } cases[] = {
        { "alice@example.com", "alice", SSO_BINDING_OK },
        { "ALICE@Example.COM", "alice", SSO_BINDING_OK },
        { "alice@example.com", "Alice", SSO_BINDING_OK },
        { "a.b-c+d@example.com", "a.b-c+d", SSO_BINDING_OK },
        { "alice@contractor.example", "alice", SSO_BINDING_MISMATCH },
        { "alice@example.com.evil", "alice", SSO_BINDING_MISMATCH },
        { "alice@sub.example.com", "alice", SSO_BINDING_MISMATCH },
        { "alice", "alice", SSO_BINDING_MISMATCH },
        { "@example.com", "", SSO_BINDING_MISMATCH },
        { "alice@example.com", "alice@example.com", SSO_BINDING_MISMATCH },
        { "alice@x@example.com", "alice", SSO_BINDING_MISMATCH },
        { "bob@example.com", "alice", SSO_BINDING_MISMATCH },
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("name '%s' user '%s'\n", cases[i].name, cases[i].user);
        assert_int_equal(sso_user_binding_check(&localpart, "example.com",
                                                NULL, cases[i].name,
                                                cases[i].user),
                         cases[i].result);
    }
}

static void
truncated_names_refused_except_none(void **state)
{
    static const char name64[] =
        "a123456789b123456789c123456789d123456789e123456789f12345@xmp.com";
    static const char name63[] =
        "a123456789b123456789c123456789d123456789e123456789f1234@xmp.com";
    static const char map_text[] = "* root-ish\n* alice\n";
    struct sso_user_map map;
    char error[SSO_USER_MAP_ERROR_MAX];

    (void) state;
    assert_int_equal(strlen(name64), 64);
    assert_int_equal(sso_user_map_parse(map_text, strlen(map_text), "m", &map,
                                        error, sizeof(error)),
                     0);

    assert_int_equal(sso_user_binding_check(&exact, NULL, NULL, name64,
                                            name64),
                     SSO_BINDING_TRUNCATED);
    assert_int_equal(sso_user_binding_check(&localpart, "xmp.com", NULL,
                                            name64, name64),
                     SSO_BINDING_TRUNCATED);
    assert_int_equal(sso_user_binding_check(&by_map, NULL, &map, name64,
                                            "alice"),
                     SSO_BINDING_TRUNCATED);
    assert_int_equal(sso_user_binding_check(&none, NULL, NULL, name64,
                                            "alice"),
                     SSO_BINDING_OK);

    /* One character less is a whole name. */
    assert_int_equal(sso_user_binding_check(&exact, NULL, NULL, name63,
                                            name63),
                     SSO_BINDING_OK);
    assert_int_equal(sso_user_binding_check(&by_map, NULL, &map, name63,
                                            "alice"),
                     SSO_BINDING_OK);
    sso_user_map_clear(&map);
}

/* sso_user_map_parse and sso_user_map_allows */

static void
map_globs_and_literals(void **state)
{
    static const char text[] =
        "# SSO name            local user\n"
        "alice@example.com     alice\n"
        "\n"
        "   *@ops.example.com\toperator   # the whole ops team\n"
        "dev-?@example.com     dev\r\n"
        "[bc]arol@example.com  carol\n"
        "[!x]ave@example.com   dave\n"
        "back\\slash           literal\n"
        "a.b-c+d@example.com   abcd";
    static const struct {
        const char *name;
        const char *user;
        bool allowed;
    } cases[] = {
        { "alice@example.com", "alice", true },
        { "alice@example.com", "bob", false },
        { "alice@example.org", "alice", false },
        { "x@ops.example.com", "operator", true },
        { "ops.example.com", "operator", false },
        { "x@ops.example.com", "alice", false },
        { "dev-1@example.com", "dev", true },
        { "dev-12@example.com", "dev", false },
        { "carol@example.com", "carol", true },
        { "barol@example.com", "carol", true },
        { "darol@example.com", "carol", false },
        { "dave@example.com", "dave", true },
        { "xave@example.com", "dave", false },
        { "back\\slash", "literal", true },
        { "backslash", "literal", false },
        { "a.b-c+d@example.com", "abcd", true },
        { "aXb-c+d@example.com", "abcd", false },
        { "Alice@example.com", "alice", false },
    };
    struct sso_user_map map;
    char error[SSO_USER_MAP_ERROR_MAX] = "";
    size_t i;

    (void) state;
    assert_int_equal(sso_user_map_parse(text, strlen(text), "m", &map, error,
                                        sizeof(error)),
                     0);
    assert_int_equal(map.count, 7);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("name '%s' user '%s'\n", cases[i].name, cases[i].user);
        assert_int_equal(sso_user_map_allows(&map, cases[i].name,
                                             cases[i].user),
                         cases[i].allowed);
        assert_int_equal(sso_user_binding_check(&by_map, NULL, &map,
                                                cases[i].name, cases[i].user),
                         cases[i].allowed ? SSO_BINDING_OK
                                          : SSO_BINDING_MISMATCH);
    }
    sso_user_map_clear(&map);
}

static void
map_rejects_malformed_lines(void **state)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        { "alice@example.com\n", "m:1: expected two fields, an SSO name "
          "pattern and a local user" },
        { "ok alice\nalice@example.com alice extra\n", "m:2: expected two "
          "fields, an SSO name pattern and a local user" },
        { "[abc@example.com alice\n", "m:1: the SSO name pattern has a '[' "
          "without its ']'" },
        { "[]@example.com alice\n", "m:1: the SSO name pattern has a '[' "
          "without its ']'" },
        { "alice@example.com ali*\n", "m:1: the local user name has a "
          "character that no user name has" },
        { "alice@example.com a:b\n", "m:1: the local user name has a "
          "character that no user name has" },
        { "al\x01ice alice\n", "m:1: the SSO name pattern is not printable "
          "ASCII" },
        { "\xc3\xa9 alice\n", "m:1: the SSO name pattern is not printable "
          "ASCII" },
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sso_user_map map;
        char error[SSO_USER_MAP_ERROR_MAX] = "";

        print_message("text '%s'\n", cases[i].text);
        assert_int_equal(sso_user_map_parse(cases[i].text,
                                            strlen(cases[i].text), "m", &map,
                                            error, sizeof(error)),
                         -1);
        assert_string_equal(error, cases[i].error);
        assert_int_equal(map.count, 0);
        assert_null(map.entries);
    }
}

static void
map_rejects_nul_and_long_fields(void **state)
{
    static const char with_nul[] = "alice alice\n\0bob bob\n";
    char long_line[SSO_USER_MAP_FIELD_MAX + 16];
    struct sso_user_map map;
    char error[SSO_USER_MAP_ERROR_MAX] = "";

    (void) state;
    assert_int_equal(sso_user_map_parse(with_nul, sizeof(with_nul) - 1, "m",
                                        &map, error, sizeof(error)),
                     -1);
    assert_string_equal(error, "m: contains a NUL byte");

    memset(long_line, 'a', SSO_USER_MAP_FIELD_MAX + 1);
    memcpy(long_line + SSO_USER_MAP_FIELD_MAX + 1, " alice", 7);
    assert_int_equal(sso_user_map_parse(long_line, strlen(long_line), "m",
                                        &map, error, sizeof(error)),
                     -1);
    assert_string_equal(error, "m:1: field too long");
}

static void
map_empty_allows_nobody(void **state)
{
    static const char text[] = "# nobody yet\n\n";
    struct sso_user_map map;
    char error[SSO_USER_MAP_ERROR_MAX] = "";

    (void) state;
    assert_int_equal(sso_user_map_parse(text, strlen(text), "m", &map, error,
                                        sizeof(error)),
                     0);
    assert_int_equal(map.count, 0);
    assert_false(sso_user_map_allows(&map, "alice", "alice"));
    assert_int_equal(sso_user_binding_check(&by_map, NULL, &map, "alice",
                                            "alice"),
                     SSO_BINDING_MISMATCH);
    sso_user_map_clear(&map);
}

/* sso_user_match_parse and sso_user_domain_valid */

static void
user_match_parse_values(void **state)
{
    struct sso_user_match match = { SSO_USER_MATCH_NONE, NULL };
    const char *reason = NULL;

    (void) state;
    assert_int_equal(sso_user_match_parse(&match, "map=/etc/u", &reason), 0);
    assert_int_equal(match.mode, SSO_USER_MATCH_MAP);
    assert_string_equal(match.map_path, "/etc/u");

    /* A new value replaces the path. */
    assert_int_equal(sso_user_match_parse(&match, "localpart", &reason), 0);
    assert_int_equal(match.mode, SSO_USER_MATCH_LOCALPART);
    assert_null(match.map_path);

    assert_int_equal(sso_user_match_parse(&match, "map=/etc/a b", &reason),
                     -1);
    assert_string_equal(reason, "map= needs an absolute path");
    assert_int_equal(match.mode, SSO_USER_MATCH_EXACT);
    sso_user_match_clear(&match);
}

static void
domain_shapes(void **state)
{
    (void) state;
    assert_true(sso_user_domain_valid("example.com"));
    assert_true(sso_user_domain_valid("corp-1.Example.co.uk"));
    assert_true(sso_user_domain_valid("localhost"));
    assert_false(sso_user_domain_valid(""));
    assert_false(sso_user_domain_valid("example.com."));
    assert_false(sso_user_domain_valid("exa mple.com"));
    assert_false(sso_user_domain_valid("example_com"));
    assert_false(sso_user_domain_valid("a@example.com"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(session_name_from_identity_center_arns),
        cmocka_unit_test(session_name_refuses_other_arns),
        cmocka_unit_test(session_name_keeps_64_characters),
        cmocka_unit_test(exact_compares_bytes),
        cmocka_unit_test(localpart_needs_the_domain),
        cmocka_unit_test(truncated_names_refused_except_none),
        cmocka_unit_test(map_globs_and_literals),
        cmocka_unit_test(map_rejects_malformed_lines),
        cmocka_unit_test(map_rejects_nul_and_long_fields),
        cmocka_unit_test(map_empty_allows_nobody),
        cmocka_unit_test(user_match_parse_values),
        cmocka_unit_test(domain_shapes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
