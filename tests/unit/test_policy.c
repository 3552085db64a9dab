/*
 * Unit tests for the allow rules and the role choice (policy.h).
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy.h"

/* Parse TEXT into RULES and fail the test unless it parses. */
static void
parse_rules_or_fail(struct sso_rule_list *rules, const char *text)
{
    const char *reason = NULL;

    assert_int_equal(sso_rules_parse(rules, text, &reason), 0);
}

/* glob */

static void
glob_matches_exact_text(void **state)
{
    (void) state;
    assert_true(sso_glob_match("123456789012", "123456789012"));
    assert_false(sso_glob_match("123456789012", "123456789013"));
    assert_false(sso_glob_match("12345678901", "123456789012"));
    assert_false(sso_glob_match("123456789012", "12345678901"));
}

static void
glob_matches_star_prefix(void **state)
{
    (void) state;
    assert_true(sso_glob_match("*Admin", "PowerAdmin"));
    assert_true(sso_glob_match("*Admin", "Admin"));
    assert_false(sso_glob_match("*Admin", "AdminX"));
}

static void
glob_matches_star_suffix(void **state)
{
    (void) state;
    assert_true(sso_glob_match("Admin*", "AdminAccess"));
    assert_true(sso_glob_match("Admin*", "Admin"));
    assert_false(sso_glob_match("Admin*", "XAdmin"));
}

static void
glob_matches_star_middle(void **state)
{
    (void) state;
    assert_true(sso_glob_match("Read*Only", "ReadOnly"));
    assert_true(sso_glob_match("Read*Only", "ReadWriteOnly"));
    assert_false(sso_glob_match("Read*Only", "ReadOnlyX"));
    assert_false(sso_glob_match("Read*Only", "ReaOnly"));
}

static void
glob_matches_multiple_stars(void **state)
{
    (void) state;
    assert_true(sso_glob_match("*a*b*c*", "abc"));
    assert_true(sso_glob_match("*a*b*c*", "XXaYYbZZcWW"));
    assert_false(sso_glob_match("*a*b*c*", "cba"));
    assert_true(sso_glob_match("a**b", "ab"));
    assert_true(sso_glob_match("1*2*3", "1xx2yy3"));
    assert_false(sso_glob_match("1*2*3", "1xx2yy3z"));
}

static void
glob_handles_empty_text(void **state)
{
    (void) state;
    assert_true(sso_glob_match("", ""));
    assert_true(sso_glob_match("*", ""));
    assert_true(sso_glob_match("**", ""));
    assert_false(sso_glob_match("a", ""));
    assert_false(sso_glob_match("*a", ""));
    assert_false(sso_glob_match("", "a"));
}

static void
glob_star_only_matches_anything(void **state)
{
    (void) state;
    assert_true(sso_glob_match("*", "123456789012"));
    assert_true(sso_glob_match("*", "Role with spaces"));
    assert_true(sso_glob_match("*", "*"));
}

static void
glob_rejects_no_match(void **state)
{
    (void) state;
    assert_false(sso_glob_match("Admin", "admin"));
    assert_false(sso_glob_match("Admin", "ReadOnly"));
    assert_false(sso_glob_match("12*", "21345"));
}

static void
glob_backtracks_after_partial_match(void **state)
{
    (void) state;
    /* The first 'b' after 'a' is not the last byte, so the matcher must
     * give it back to the star and try the later 'b'. */
    assert_true(sso_glob_match("*a*b", "aXbYb"));
    assert_false(sso_glob_match("*a*b", "aXbYbZ"));
    assert_true(sso_glob_match("*ab", "aab"));
    assert_true(sso_glob_match("*aab", "aaab"));
    assert_true(sso_glob_match("a*ba", "abba"));
    assert_true(sso_glob_match("*x*xy", "xxxxy"));
    assert_false(sso_glob_match("*x*xy", "xyxx"));
}

/* sso_rules_parse */

static void
rules_parse_single_rule(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const char *reason = NULL;

    (void) state;
    assert_int_equal(sso_rules_parse(&rules, "123456789012:Admin", &reason),
                     0);
    assert_int_equal(rules.count, 1);
    assert_string_equal(rules.rules[0].account_id, "123456789012");
    assert_string_equal(rules.rules[0].role_name, "Admin");
    sso_rules_clear(&rules);
    assert_int_equal(rules.count, 0);
    assert_null(rules.rules);
}

static void
rules_parse_comma_list_with_spaces(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const char *reason = NULL;

    (void) state;
    assert_int_equal(sso_rules_parse(&rules,
                                     "  1*:Admin ,\t*:ReadOnly\t,  222222222222:*  ",
                                     &reason),
                     0);
    assert_int_equal(rules.count, 3);
    assert_string_equal(rules.rules[0].account_id, "1*");
    assert_string_equal(rules.rules[0].role_name, "Admin");
    assert_string_equal(rules.rules[1].account_id, "*");
    assert_string_equal(rules.rules[1].role_name, "ReadOnly");
    assert_string_equal(rules.rules[2].account_id, "222222222222");
    assert_string_equal(rules.rules[2].role_name, "*");
    sso_rules_clear(&rules);
}

static void
rules_parse_role_with_spaces(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };

    (void) state;
    parse_rules_or_fail(&rules, "111111111111:Read Only Access");
    assert_int_equal(rules.count, 1);
    assert_string_equal(rules.rules[0].role_name, "Read Only Access");
    sso_rules_clear(&rules);
}

static void
rules_parse_colon_inside_role(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };

    (void) state;
    /* Only the first ':' separates account from role. */
    parse_rules_or_fail(&rules, "111111111111:team:admin");
    assert_int_equal(rules.count, 1);
    assert_string_equal(rules.rules[0].account_id, "111111111111");
    assert_string_equal(rules.rules[0].role_name, "team:admin");
    sso_rules_clear(&rules);
}

static void
rules_parse_appends_to_existing(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };

    (void) state;
    parse_rules_or_fail(&rules, "1:A");
    parse_rules_or_fail(&rules, "2:B,3:C");
    assert_int_equal(rules.count, 3);
    assert_string_equal(rules.rules[0].account_id, "1");
    assert_string_equal(rules.rules[1].account_id, "2");
    assert_string_equal(rules.rules[2].account_id, "3");
    assert_string_equal(rules.rules[2].role_name, "C");
    sso_rules_clear(&rules);
}

static void
rules_parse_rejects_empty_pattern(void **state)
{
    static const char *const inputs[] = {
        "", "   ", "1:A,,2:B", "1:A,", ",1:A", "1:A, ,2:B",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct sso_rule_list rules = { NULL, 0 };
        const char *reason = NULL;

        print_message("input '%s'\n", inputs[i]);
        assert_int_equal(sso_rules_parse(&rules, inputs[i], &reason), -1);
        assert_non_null(reason);
        assert_string_equal(reason, "empty pattern");
        assert_int_equal(rules.count, 0);
        assert_null(rules.rules);
    }
}

static void
rules_parse_rejects_missing_colon(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const char *reason = NULL;

    (void) state;
    assert_int_equal(sso_rules_parse(&rules, "123456789012", &reason), -1);
    assert_string_equal(reason, "expected ACCOUNT:ROLE");
    assert_int_equal(rules.count, 0);
}

static void
rules_parse_rejects_bad_account(void **state)
{
    static const char *const inputs[] = {
        "12345678901a:Admin", ":Admin", "12 34:Admin", "-1:Admin",
        "?:Admin",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct sso_rule_list rules = { NULL, 0 };
        const char *reason = NULL;

        print_message("input '%s'\n", inputs[i]);
        assert_int_equal(sso_rules_parse(&rules, inputs[i], &reason), -1);
        assert_non_null(reason);
        assert_string_equal(reason, "account must be digits and '*'");
        assert_int_equal(rules.count, 0);
    }
}

static void
rules_parse_rejects_bad_role(void **state)
{
    static const char *const inputs[] = {
        "1:", "1:Ad\tmin", "1:Ad\x7fmin", "1:Ad\xc3\xa9min",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct sso_rule_list rules = { NULL, 0 };
        const char *reason = NULL;

        print_message("input index %zu\n", i);
        assert_int_equal(sso_rules_parse(&rules, inputs[i], &reason), -1);
        assert_non_null(reason);
        assert_string_equal(reason, "role must be non-empty printable ASCII");
        assert_int_equal(rules.count, 0);
    }
}

static void
rules_parse_rejects_long_pattern(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const char *reason = NULL;
    char text[200];

    (void) state;
    /* "1:" plus 126 bytes is 128 bytes, the longest pattern accepted. */
    memset(text, 'R', sizeof(text));
    memcpy(text, "1:", 2);
    text[128] = '\0';
    assert_int_equal(sso_rules_parse(&rules, text, &reason), 0);
    assert_int_equal(rules.count, 1);
    assert_int_equal(strlen(rules.rules[0].role_name), 126);
    sso_rules_clear(&rules);

    text[128] = 'R';
    text[129] = '\0';
    assert_int_equal(sso_rules_parse(&rules, text, &reason), -1);
    assert_string_equal(reason, "pattern longer than 128 bytes");
    assert_int_equal(rules.count, 0);
}

static void
rules_parse_limits_rule_count(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const char *reason = NULL;
    char text[SSO_RULES_MAX * 8 + 16];
    size_t used = 0;
    int i;

    (void) state;
    for (i = 0; i < SSO_RULES_MAX; i++)
        used += (size_t) snprintf(text + used, sizeof(text) - used, "%s%d:R",
                                  i == 0 ? "" : ",", i);
    assert_int_equal(sso_rules_parse(&rules, text, &reason), 0);
    assert_int_equal(rules.count, SSO_RULES_MAX);
    assert_string_equal(rules.rules[SSO_RULES_MAX - 1].account_id, "63");

    /* The list is full, so one more rule is rejected and changes nothing. */
    assert_int_equal(sso_rules_parse(&rules, "99:R", &reason), -1);
    assert_string_equal(reason, "more than 64 allow rules");
    assert_int_equal(rules.count, SSO_RULES_MAX);
    sso_rules_clear(&rules);

    /* 65 rules in one call fail as a whole. */
    snprintf(text + used, sizeof(text) - used, ",64:R");
    assert_int_equal(sso_rules_parse(&rules, text, &reason), -1);
    assert_string_equal(reason, "more than 64 allow rules");
    assert_int_equal(rules.count, 0);
    assert_null(rules.rules);
}

static void
rules_parse_failure_keeps_earlier_rules(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const char *reason = NULL;

    (void) state;
    parse_rules_or_fail(&rules, "111111111111:Admin");

    /* The first two patterns of the failing list are valid, and still none
     * of them may be added. */
    assert_int_equal(sso_rules_parse(&rules, "2:B,3:C,4", &reason), -1);
    assert_string_equal(reason, "expected ACCOUNT:ROLE");
    assert_int_equal(rules.count, 1);
    assert_string_equal(rules.rules[0].account_id, "111111111111");
    assert_string_equal(rules.rules[0].role_name, "Admin");
    sso_rules_clear(&rules);
}

/* sso_role_ref_parse */

static void
role_ref_parse_literal(void **state)
{
    struct sso_role_ref ref = { NULL, NULL };
    const char *reason = NULL;

    (void) state;
    assert_int_equal(sso_role_ref_parse(&ref, "123456789012:Read Only:x",
                                        &reason),
                     0);
    assert_string_equal(ref.account_id, "123456789012");
    assert_string_equal(ref.role_name, "Read Only:x");
    sso_role_ref_clear(&ref);
    assert_null(ref.account_id);
    assert_null(ref.role_name);
}

static void
role_ref_parse_rejects_star(void **state)
{
    static const char *const inputs[] = {
        "*:Admin", "123456789012:*", "123456789012:Adm*n", "1*2:Admin",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct sso_role_ref ref = { NULL, NULL };
        const char *reason = NULL;

        print_message("input '%s'\n", inputs[i]);
        assert_int_equal(sso_role_ref_parse(&ref, inputs[i], &reason), -1);
        assert_non_null(reason);
        assert_string_equal(reason, "a role may not contain '*'");
        assert_null(ref.account_id);
        assert_null(ref.role_name);
    }
}

static void
role_ref_parse_rejects_missing_colon(void **state)
{
    struct sso_role_ref ref = { NULL, NULL };
    const char *reason = NULL;

    (void) state;
    assert_int_equal(sso_role_ref_parse(&ref, "123456789012", &reason), -1);
    assert_string_equal(reason, "expected ACCOUNT:ROLE");
    assert_null(ref.account_id);
    assert_null(ref.role_name);
}

/* sso_rules_match_account and sso_rules_find */

static void
rules_match_account_uses_account_globs(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    struct sso_rule_list empty = { NULL, 0 };

    (void) state;
    parse_rules_or_fail(&rules, "1111*:Admin,222222222222:ReadOnly");
    assert_true(sso_rules_match_account(&rules, "111122223333"));
    assert_true(sso_rules_match_account(&rules, "222222222222"));
    assert_false(sso_rules_match_account(&rules, "333333333333"));
    assert_false(sso_rules_match_account(&rules, "211111111111"));
    assert_false(sso_rules_match_account(&empty, "111122223333"));
    sso_rules_clear(&rules);
}

static void
rules_find_returns_first_match(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };

    (void) state;
    parse_rules_or_fail(&rules,
                        "111111111111:ReadOnly,*:Admin*,111111111111:*,*:*");
    assert_int_equal(sso_rules_find(&rules, "111111111111", "ReadOnly"), 0);
    assert_int_equal(sso_rules_find(&rules, "111111111111", "AdminFull"), 1);
    assert_int_equal(sso_rules_find(&rules, "111111111111", "Billing"), 2);
    assert_int_equal(sso_rules_find(&rules, "222222222222", "Billing"), 3);
    assert_int_equal(sso_rules_find(&rules, "222222222222", "ReadOnly"), 3);
    sso_rules_clear(&rules);
}

static void
rules_find_returns_minus_one_without_match(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    struct sso_rule_list empty = { NULL, 0 };

    (void) state;
    parse_rules_or_fail(&rules, "111111111111:ReadOnly,2*:Admin");
    assert_int_equal(sso_rules_find(&rules, "111111111111", "Admin"), -1);
    assert_int_equal(sso_rules_find(&rules, "222222222222", "ReadOnly"), -1);
    assert_int_equal(sso_rules_find(&rules, "311111111111", "Admin"), -1);
    assert_int_equal(sso_rules_find(&empty, "111111111111", "ReadOnly"), -1);
    sso_rules_clear(&rules);
}

/* sso_select_role */

/* Visible roles of the ordering test, named by their expected rank. */
static const struct sso_role_ref ordering_roles[] = {
    { (char *) "222222222222", (char *) "Admin" },
    { (char *) "111111111111", (char *) "ReadOnly" },
    { (char *) "111111111111", (char *) "Admin" },
    { (char *) "333333333333", (char *) "Billing" },
    { (char *) "111111111111", (char *) "Billing" },
};

#define ORDERING_COUNT (sizeof(ordering_roles) / sizeof(ordering_roles[0]))

/* Copy ordering_roles into OUT in the order given by PERMUTATION. */
static void
permute_roles(struct sso_role_ref *out, const size_t *permutation)
{
    size_t i;

    for (i = 0; i < ORDERING_COUNT; i++)
        out[i] = ordering_roles[permutation[i]];
}

/* Run sso_select_role on a copy of ordering_roles in every listed order
 * and check that it picks ACCOUNT:ROLE each time. */
static void
assert_pick_in_every_order(const struct sso_rule_list *rules,
                           const char *account, const char *role)
{
    static const size_t orders[][ORDERING_COUNT] = {
        { 0, 1, 2, 3, 4 },
        { 4, 3, 2, 1, 0 },
        { 2, 0, 4, 1, 3 },
        { 1, 4, 3, 0, 2 },
        { 3, 2, 1, 4, 0 },
        { 0, 2, 4, 3, 1 },
    };
    struct sso_role_ref visible[ORDERING_COUNT];
    size_t i;

    for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
        long pick;

        permute_roles(visible, orders[i]);
        pick = sso_select_role(rules, visible, ORDERING_COUNT, NULL);
        print_message("order %zu\n", i);
        assert_true(pick >= 0);
        assert_true(pick < (long) ORDERING_COUNT);
        assert_string_equal(visible[pick].account_id, account);
        assert_string_equal(visible[pick].role_name, role);
    }
}

static void
select_role_rule_order_wins(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };

    (void) state;
    /* Billing comes last by account and by name, but the first rule is
     * the one that allows it. */
    parse_rules_or_fail(&rules, "3*:Billing,*:*");
    assert_pick_in_every_order(&rules, "333333333333", "Billing");
    sso_rules_clear(&rules);
}

static void
select_role_then_lowest_account(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };

    (void) state;
    parse_rules_or_fail(&rules, "*:Nothing,*:Admin,*:*");
    assert_pick_in_every_order(&rules, "111111111111", "Admin");
    sso_rules_clear(&rules);
}

static void
select_role_then_lowest_role_name(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };

    (void) state;
    /* Three roles of 111111111111 share the one rule, and "Admin" sorts
     * before "Billing" and "ReadOnly". */
    parse_rules_or_fail(&rules, "111111111111:*");
    assert_pick_in_every_order(&rules, "111111111111", "Admin");
    sso_rules_clear(&rules);

    /* A rule that excludes Admin leaves Billing as the first name. */
    parse_rules_or_fail(&rules, "111111111111:*l*");
    assert_pick_in_every_order(&rules, "111111111111", "Billing");
    sso_rules_clear(&rules);
}

static void
select_role_sorts_names_by_byte(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const struct sso_role_ref visible[] = {
        { (char *) "111111111111", (char *) "admin" },
        { (char *) "111111111111", (char *) "Admin" },
        { (char *) "111111111111", (char *) "Admin2" },
    };

    (void) state;
    /* 'A' (0x41) sorts before 'a' (0x61), and a prefix before its
     * extension. */
    parse_rules_or_fail(&rules, "*:*");
    assert_int_equal(sso_select_role(&rules, visible, 3, NULL), 1);
    sso_rules_clear(&rules);
}

static void
select_role_requested_when_allowed(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const struct sso_role_ref requested = {
        (char *) "333333333333", (char *) "Billing"
    };
    struct sso_role_ref visible[ORDERING_COUNT];
    static const size_t order[ORDERING_COUNT] = { 4, 3, 2, 1, 0 };

    (void) state;
    parse_rules_or_fail(&rules, "*:Admin,*:*");
    permute_roles(visible, order);
    /* Without a request, the Admin rule would win. */
    assert_int_equal(sso_select_role(&rules, visible, ORDERING_COUNT,
                                     &requested),
                     1);
    sso_rules_clear(&rules);
}

static void
select_role_requested_not_allowed(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const struct sso_role_ref requested = {
        (char *) "333333333333", (char *) "Billing"
    };

    (void) state;
    parse_rules_or_fail(&rules, "1*:*,2*:*");
    assert_int_equal(sso_select_role(&rules, ordering_roles, ORDERING_COUNT,
                                     &requested),
                     -1);
    sso_rules_clear(&rules);
}

static void
select_role_requested_not_visible(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const struct sso_role_ref requested = {
        (char *) "222222222222", (char *) "ReadOnly"
    };

    (void) state;
    parse_rules_or_fail(&rules, "*:*");
    assert_int_equal(sso_select_role(&rules, ordering_roles, ORDERING_COUNT,
                                     &requested),
                     -1);
    sso_rules_clear(&rules);
}

static void
select_role_empty_request_is_ignored(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    const struct sso_role_ref requested = { NULL, NULL };

    (void) state;
    /* An unset role= leaves both fields NULL, which means no request. */
    parse_rules_or_fail(&rules, "*:*");
    assert_int_equal(sso_select_role(&rules, ordering_roles, ORDERING_COUNT,
                                     &requested),
                     2);
    sso_rules_clear(&rules);
}

static void
select_role_returns_minus_one_without_match(void **state)
{
    struct sso_rule_list rules = { NULL, 0 };
    struct sso_rule_list empty = { NULL, 0 };

    (void) state;
    parse_rules_or_fail(&rules, "444444444444:*,*:Owner");
    assert_int_equal(sso_select_role(&rules, ordering_roles, ORDERING_COUNT,
                                     NULL),
                     -1);
    assert_int_equal(sso_select_role(&empty, ordering_roles, ORDERING_COUNT,
                                     NULL),
                     -1);
    assert_int_equal(sso_select_role(&rules, ordering_roles, 0, NULL), -1);
    sso_rules_clear(&rules);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(glob_matches_exact_text),
        cmocka_unit_test(glob_matches_star_prefix),
        cmocka_unit_test(glob_matches_star_suffix),
        cmocka_unit_test(glob_matches_star_middle),
        cmocka_unit_test(glob_matches_multiple_stars),
        cmocka_unit_test(glob_handles_empty_text),
        cmocka_unit_test(glob_star_only_matches_anything),
        cmocka_unit_test(glob_rejects_no_match),
        cmocka_unit_test(glob_backtracks_after_partial_match),
        cmocka_unit_test(rules_parse_single_rule),
        cmocka_unit_test(rules_parse_comma_list_with_spaces),
        cmocka_unit_test(rules_parse_role_with_spaces),
        cmocka_unit_test(rules_parse_colon_inside_role),
        cmocka_unit_test(rules_parse_appends_to_existing),
        cmocka_unit_test(rules_parse_rejects_empty_pattern),
        cmocka_unit_test(rules_parse_rejects_missing_colon),
        cmocka_unit_test(rules_parse_rejects_bad_account),
        cmocka_unit_test(rules_parse_rejects_bad_role),
        cmocka_unit_test(rules_parse_rejects_long_pattern),
        cmocka_unit_test(rules_parse_limits_rule_count),
        cmocka_unit_test(rules_parse_failure_keeps_earlier_rules),
        cmocka_unit_test(role_ref_parse_literal),
        cmocka_unit_test(role_ref_parse_rejects_star),
        cmocka_unit_test(role_ref_parse_rejects_missing_colon),
        cmocka_unit_test(rules_match_account_uses_account_globs),
        cmocka_unit_test(rules_find_returns_first_match),
        cmocka_unit_test(rules_find_returns_minus_one_without_match),
        cmocka_unit_test(select_role_rule_order_wins),
        cmocka_unit_test(select_role_then_lowest_account),
        cmocka_unit_test(select_role_then_lowest_role_name),
        cmocka_unit_test(select_role_sorts_names_by_byte),
        cmocka_unit_test(select_role_requested_when_allowed),
        cmocka_unit_test(select_role_requested_not_allowed),
        cmocka_unit_test(select_role_requested_not_visible),
        cmocka_unit_test(select_role_empty_request_is_ignored),
        cmocka_unit_test(select_role_returns_minus_one_without_match),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
