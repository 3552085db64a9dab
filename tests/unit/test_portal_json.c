/*
 * Unit tests for the portal response parsers (portal_json.h).
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
#include <stdlib.h>
#include <string.h>

#include "portal_json.h"

#define ACCOUNT_A "111111111111"
#define ACCOUNT_B "222222222222"
#define ACCOUNT_C "333333333333"

/* Token left over from an earlier page, so a test detects whether a
 * parser resets *next_token. */
static char stale_token[] = "stale";

static enum sso_parse_result
parse_accounts(const char *body, struct sso_account_list *accounts,
               char **next_token)
{
    *next_token = stale_token;
    return sso_parse_account_page(body, strlen(body), accounts, next_token);
}

static enum sso_parse_result
parse_roles(const char *body, const char *account_id,
            struct sso_role_list *roles, char **next_token)
{
    *next_token = stale_token;
    return sso_parse_role_page(body, strlen(body), account_id, roles,
                               next_token);
}

static enum sso_parse_result
parse_credentials(const char *body, struct sso_credentials *creds)
{
    return sso_parse_role_credentials(body, strlen(body), creds);
}

/* Fill ACCOUNTS with ACCOUNT_A and ACCOUNT_B from one valid page. */
static void
load_two_accounts(struct sso_account_list *accounts)
{
    char *next = NULL;

    assert_int_equal(parse_accounts("{\"accountList\":["
                                    "{\"accountId\":\"" ACCOUNT_A "\"},"
                                    "{\"accountId\":\"" ACCOUNT_B "\"}]}",
                                    accounts, &next),
                     SSO_PARSE_OK);
    assert_null(next);
    assert_int_equal(accounts->count, 2);
}

/* Check that ACCOUNTS contains exactly what load_two_accounts put in. */
static void
assert_two_accounts(const struct sso_account_list *accounts)
{
    assert_int_equal(accounts->count, 2);
    assert_string_equal(accounts->ids[0], ACCOUNT_A);
    assert_string_equal(accounts->ids[1], ACCOUNT_B);
}

/* Parse BODY as an account page on top of two loaded accounts and check
 * that it fails with EXPECTED, leaves the list alone and sets no token. */
static void
assert_account_page_fails(const char *body, enum sso_parse_result expected)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;

    load_two_accounts(&accounts);
    print_message("body '%.200s'\n", body);
    assert_int_equal(parse_accounts(body, &accounts, &next), expected);
    assert_null(next);
    assert_two_accounts(&accounts);
    sso_account_list_clear(&accounts);
}

/* Same as assert_account_page_fails for a role page of ACCOUNT_A, with one
 * role loaded beforehand. */
static void
assert_role_page_fails(const char *body, enum sso_parse_result expected)
{
    struct sso_role_list roles = { NULL, 0 };
    char *next = NULL;

    assert_int_equal(parse_roles("{\"roleList\":[{\"accountId\":\""
                                 ACCOUNT_A "\",\"roleName\":\"Admin\"}]}",
                                 ACCOUNT_A, &roles, &next),
                     SSO_PARSE_OK);
    assert_int_equal(roles.count, 1);

    print_message("body '%.200s'\n", body);
    assert_int_equal(parse_roles(body, ACCOUNT_A, &roles, &next), expected);
    assert_null(next);
    assert_int_equal(roles.count, 1);
    assert_string_equal(roles.roles[0].account_id, ACCOUNT_A);
    assert_string_equal(roles.roles[0].role_name, "Admin");
    sso_role_list_clear(&roles);
}

/* Parse BODY as a credentials response and check that it is rejected and
 * leaves every field unset. */
static void
assert_credentials_invalid(const char *body)
{
    struct sso_credentials creds = {
        stale_token, stale_token, stale_token, 42
    };

    print_message("body '%s'\n", body);
    assert_int_equal(parse_credentials(body, &creds), SSO_PARSE_INVALID);
    assert_null(creds.access_key_id);
    assert_null(creds.secret_access_key);
    assert_null(creds.session_token);
    assert_int_equal(creds.expiration_ms, 0);
}

/* Build an account page with COUNT distinct accounts, or a role page of
 * ACCOUNT_A with COUNT roles when ROLES is set.  The caller frees it. */
static char *
build_large_page(size_t count, bool roles)
{
    const size_t entry_max = 64;
    char *body = malloc(count * entry_max + 32);
    size_t used;
    size_t i;

    assert_non_null(body);
    used = (size_t) sprintf(body, "{\"%s\":[", roles ? "roleList"
                                                      : "accountList");
    for (i = 0; i < count; i++) {
        const char *comma = i == 0 ? "" : ",";

        if (roles)
            used += (size_t) sprintf(body + used,
                                     "%s{\"accountId\":\"" ACCOUNT_A
                                     "\",\"roleName\":\"Role%zu\"}",
                                     comma, i);
        else
            used += (size_t) sprintf(body + used,
                                     "%s{\"accountId\":\"%012zu\"}", comma,
                                     i);
    }
    sprintf(body + used, "]}");
    return body;
}

/* Account pages */

static void
account_page_without_next_token(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;

    (void) state;
    /* The portal adds accountName and emailAddress, which are ignored. */
    assert_int_equal(parse_accounts(
                         "{\"accountList\":[{\"accountId\":\"" ACCOUNT_A
                         "\",\"accountName\":\"Caf\xc3\xa9 prod\","
                         "\"emailAddress\":\"ops@example.com\"},"
                         "{\"accountId\":\"" ACCOUNT_B "\"}]}",
                         &accounts, &next),
                     SSO_PARSE_OK);
    assert_null(next);
    assert_int_equal(accounts.count, 2);
    assert_string_equal(accounts.ids[0], ACCOUNT_A);
    assert_string_equal(accounts.ids[1], ACCOUNT_B);
    sso_account_list_clear(&accounts);
    assert_int_equal(accounts.count, 0);
    assert_null(accounts.ids);
}

static void
account_page_with_next_token(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;

    (void) state;
    assert_int_equal(parse_accounts(
                         "{\"nextToken\":\"AAE/token+part==\","
                         "\"accountList\":[{\"accountId\":\"" ACCOUNT_A
                         "\"}]}",
                         &accounts, &next),
                     SSO_PARSE_OK);
    assert_non_null(next);
    assert_string_equal(next, "AAE/token+part==");
    assert_int_equal(accounts.count, 1);
    assert_string_equal(accounts.ids[0], ACCOUNT_A);
    free(next);
    sso_account_list_clear(&accounts);
}

static void
account_page_empty_list(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;

    (void) state;
    assert_int_equal(parse_accounts("{\"accountList\":[]}", &accounts, &next),
                     SSO_PARSE_OK);
    assert_null(next);
    assert_int_equal(accounts.count, 0);
    sso_account_list_clear(&accounts);
}

static void
account_page_null_or_empty_token_ends(void **state)
{
    static const char *const bodies[] = {
        "{\"accountList\":[{\"accountId\":\"" ACCOUNT_A "\"}],"
        "\"nextToken\":null}",
        "{\"accountList\":[{\"accountId\":\"" ACCOUNT_A "\"}],"
        "\"nextToken\":\"\"}",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct sso_account_list accounts = { NULL, 0 };
        char *next = NULL;

        print_message("body '%s'\n", bodies[i]);
        assert_int_equal(parse_accounts(bodies[i], &accounts, &next),
                         SSO_PARSE_OK);
        assert_null(next);
        assert_int_equal(accounts.count, 1);
        sso_account_list_clear(&accounts);
    }
}

static void
account_page_appends_second_page(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;

    (void) state;
    assert_int_equal(parse_accounts(
                         "{\"accountList\":[{\"accountId\":\"" ACCOUNT_B
                         "\"},{\"accountId\":\"" ACCOUNT_A "\"}],"
                         "\"nextToken\":\"page2\"}",
                         &accounts, &next),
                     SSO_PARSE_OK);
    assert_string_equal(next, "page2");
    free(next);

    assert_int_equal(parse_accounts(
                         "{\"accountList\":[{\"accountId\":\"" ACCOUNT_C
                         "\"}]}",
                         &accounts, &next),
                     SSO_PARSE_OK);
    assert_null(next);

    /* The parser keeps the portal's order, because sso_select_role does
     * the sorting. */
    assert_int_equal(accounts.count, 3);
    assert_string_equal(accounts.ids[0], ACCOUNT_B);
    assert_string_equal(accounts.ids[1], ACCOUNT_A);
    assert_string_equal(accounts.ids[2], ACCOUNT_C);
    sso_account_list_clear(&accounts);
}

static void
account_page_accepts_surrounding_whitespace(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;

    (void) state;
    assert_int_equal(parse_accounts(" \r\n{\"accountList\":[]}\r\n",
                                    &accounts, &next),
                     SSO_PARSE_OK);
    assert_null(next);
    sso_account_list_clear(&accounts);
}

static void
account_page_rejects_trailing_data(void **state)
{
    (void) state;
    assert_account_page_fails("{\"accountList\":[]}x", SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[]}{}", SSO_PARSE_INVALID);
    assert_account_page_fails("{}x", SSO_PARSE_INVALID);
}

static void
account_page_rejects_broken_json(void **state)
{
    (void) state;
    assert_account_page_fails("", SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[]", SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],}", SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[]} /* c */",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("[{\"accountList\":[]}]", SSO_PARSE_INVALID);
    assert_account_page_fails("null", SSO_PARSE_INVALID);
}

/* RFC 8259 is stricter than json-c's JSON_TOKENER_STRICT in json-c 0.16,
 * so the next six tests check the parser against the RFC. */

static void
account_page_rejects_single_quotes(void **state)
{
    (void) state;
    /* Single-quoted values, and then single-quoted member names. */
    assert_account_page_fails("{\"accountList\":[{\"accountId\":'"
                              ACCOUNT_C "'}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{'accountList':[{'accountId':\""
                              ACCOUNT_C "\"}]}",
                              SSO_PARSE_INVALID);
}

static void
account_page_rejects_non_json_numbers(void **state)
{
    (void) state;
    assert_account_page_fails("{\"accountList\":[],\"x\":01}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":.5}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":NaN}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":Infinity}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":-Infinity}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":1.}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":-.5}",
                              SSO_PARSE_INVALID);
}

static void
account_page_rejects_leading_zeros(void **state)
{
    (void) state;
    /* json-c 0.16 rejects "01" in strict mode but accepts these. */
    assert_account_page_fails("{\"accountList\":[],\"x\":00}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":-01}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":01.5}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":[06e5]}",
                              SSO_PARSE_INVALID);
}

static void
account_page_accepts_zeros_inside_numbers(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;

    (void) state;
    assert_int_equal(parse_accounts("{\"accountList\":[],\"x\":[0,-0,0.05,"
                                    "10,1e05,1E-07,-0e0,100.00]}",
                                    &accounts, &next),
                     SSO_PARSE_OK);
    assert_null(next);
    sso_account_list_clear(&accounts);
}

static void
account_page_rejects_raw_control_bytes(void **state)
{
    (void) state;
    /* Inside a string, control bytes must be written as escapes. */
    assert_account_page_fails("{\"accountList\":[],\"x\":\"a\tb\"}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":\"a\nb\"}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":\"a\x01b\"}",
                              SSO_PARSE_INVALID);
}

static void
account_page_rejects_invalid_utf8(void **state)
{
    (void) state;
    /* A byte that never occurs in UTF-8, a lone continuation byte and a
     * truncated euro sign, all in a field the parser does not keep. */
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\""
                              ACCOUNT_C "\",\"accountName\":\"\xff\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\""
                              ACCOUNT_C "\",\"accountName\":\"\x80\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\""
                              ACCOUNT_C "\",\"accountName\":\"\xe2\x82\"}]}",
                              SSO_PARSE_INVALID);
}

static void
account_page_rejects_overlong_utf8(void **state)
{
    (void) state;
    /* RFC 3629 forbids overlong forms, encoded UTF-16 surrogates and code
     * points above U+10FFFF. */
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\""
                              ACCOUNT_C "\",\"accountName\":\"\xc0\xaf\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\""
                              ACCOUNT_C "\",\"accountName\":"
                              "\"\xe0\x80\xaf\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\""
                              ACCOUNT_C "\",\"accountName\":"
                              "\"\xed\xa0\x80\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\""
                              ACCOUNT_C "\",\"accountName\":"
                              "\"\xf4\x90\x80\x80\"}]}",
                              SSO_PARSE_INVALID);
}

static void
account_page_nesting_limit(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;

    (void) state;
    /* Eight levels of containers, counting the top-level object. */
    assert_int_equal(parse_accounts("{\"accountList\":[],"
                                    "\"x\":[[[[[[[]]]]]]]}",
                                    &accounts, &next),
                     SSO_PARSE_OK);
    assert_int_equal(accounts.count, 0);
    sso_account_list_clear(&accounts);

    assert_account_page_fails("{\"accountList\":[],"
                              "\"x\":[[[[[[[[]]]]]]]]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"x\":{\"a\":{\"b\":"
                              "{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{}}}}}}}}}",
                              SSO_PARSE_INVALID);
}

static void
account_page_rejects_wrong_list_type(void **state)
{
    (void) state;
    assert_account_page_fails("{\"accountList\":\"" ACCOUNT_C "\"}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":{\"accountId\":\""
                              ACCOUNT_C "\"}}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":null}", SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":3}", SSO_PARSE_INVALID);
}

static void
account_page_rejects_missing_list(void **state)
{
    (void) state;
    assert_account_page_fails("{}", SSO_PARSE_INVALID);
    assert_account_page_fails("{\"nextToken\":\"abc\"}", SSO_PARSE_INVALID);
    assert_account_page_fails("{\"AccountList\":[]}", SSO_PARSE_INVALID);
}

static void
account_page_rejects_bad_account_id(void **state)
{
    (void) state;
    assert_account_page_fails("{\"accountList\":[{\"accountId\":"
                              "\"12345678901\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":"
                              "\"1234567890123\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":"
                              "\"12345678901a\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":"
                              "\" 12345678901\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":"
                              "333333333333}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":null}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountName\":\"x\"}]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[\"" ACCOUNT_C "\"]}",
                              SSO_PARSE_INVALID);
}

static void
account_page_rejects_embedded_nul(void **state)
{
    static const char body[] = "{\"accountList\":[]}";
    struct sso_account_list accounts = { NULL, 0 };
    char *next = stale_token;

    (void) state;
    /* \u0000 makes the decoded id 12 bytes long but only 11 as a C
     * string. */
    assert_account_page_fails("{\"accountList\":[{\"accountId\":"
                              "\"33333333333\\u0000\"}]}",
                              SSO_PARSE_INVALID);

    /* A raw NUL byte inside the body, passed with its full length. */
    assert_int_equal(sso_parse_account_page(body, sizeof(body), &accounts,
                                            &next),
                     SSO_PARSE_INVALID);
    assert_null(next);
    assert_int_equal(accounts.count, 0);
}

static void
account_page_rejects_bad_next_token(void **state)
{
    char long_token[SSO_NEXT_TOKEN_MAX + 64];
    char body[sizeof(long_token) + 64];

    (void) state;
    assert_account_page_fails("{\"accountList\":[],\"nextToken\":5}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"nextToken\":\"a b\"}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[],\"nextToken\":[]}",
                              SSO_PARSE_INVALID);

    memset(long_token, 'A', SSO_NEXT_TOKEN_MAX + 1);
    long_token[SSO_NEXT_TOKEN_MAX + 1] = '\0';
    snprintf(body, sizeof(body), "{\"accountList\":[],\"nextToken\":\"%s\"}",
             long_token);
    assert_account_page_fails(body, SSO_PARSE_INVALID);
}

static void
account_page_bad_token_adds_nothing(void **state)
{
    (void) state;
    /* The page's accounts are valid, but the page as a whole is not, so
     * none of them may be appended. */
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\""
                              ACCOUNT_C "\"}],\"nextToken\":5}",
                              SSO_PARSE_INVALID);
}

static void
account_page_limit(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;
    char *body;

    (void) state;
    body = build_large_page(SSO_ACCOUNTS_MAX + 1, false);
    assert_account_page_fails(body, SSO_PARSE_LIMIT);
    free(body);

    /* Exactly the maximum fits, and then one more account does not. */
    body = build_large_page(SSO_ACCOUNTS_MAX, false);
    assert_int_equal(parse_accounts(body, &accounts, &next), SSO_PARSE_OK);
    free(body);
    assert_int_equal(accounts.count, SSO_ACCOUNTS_MAX);
    assert_string_equal(accounts.ids[SSO_ACCOUNTS_MAX - 1], "000000009999");

    assert_int_equal(parse_accounts("{\"accountList\":[{\"accountId\":\""
                                    ACCOUNT_A "\"}],\"nextToken\":\"n\"}",
                                    &accounts, &next),
                     SSO_PARSE_LIMIT);
    assert_null(next);
    assert_int_equal(accounts.count, SSO_ACCOUNTS_MAX);
    sso_account_list_clear(&accounts);
}

/* Role pages */

static void
role_page_without_next_token(void **state)
{
    struct sso_role_list roles = { NULL, 0 };
    char *next = NULL;

    (void) state;
    assert_int_equal(parse_roles("{\"roleList\":["
                                 "{\"accountId\":\"" ACCOUNT_A "\","
                                 "\"roleName\":\"Read Only\"},"
                                 "{\"roleName\":\"Admin:Full\","
                                 "\"accountId\":\"" ACCOUNT_A "\"}]}",
                                 ACCOUNT_A, &roles, &next),
                     SSO_PARSE_OK);
    assert_null(next);
    assert_int_equal(roles.count, 2);
    assert_string_equal(roles.roles[0].account_id, ACCOUNT_A);
    assert_string_equal(roles.roles[0].role_name, "Read Only");
    assert_string_equal(roles.roles[1].account_id, ACCOUNT_A);
    assert_string_equal(roles.roles[1].role_name, "Admin:Full");
    sso_role_list_clear(&roles);
    assert_int_equal(roles.count, 0);
    assert_null(roles.roles);
}

static void
role_page_appends_second_page(void **state)
{
    struct sso_role_list roles = { NULL, 0 };
    char *next = NULL;

    (void) state;
    assert_int_equal(parse_roles("{\"roleList\":[{\"accountId\":\""
                                 ACCOUNT_B "\",\"roleName\":\"Admin\"}],"
                                 "\"nextToken\":\"r2\"}",
                                 ACCOUNT_B, &roles, &next),
                     SSO_PARSE_OK);
    assert_string_equal(next, "r2");
    free(next);

    assert_int_equal(parse_roles("{\"roleList\":[{\"accountId\":\""
                                 ACCOUNT_B "\",\"roleName\":\"Billing\"}],"
                                 "\"nextToken\":null}",
                                 ACCOUNT_B, &roles, &next),
                     SSO_PARSE_OK);
    assert_null(next);
    assert_int_equal(roles.count, 2);
    assert_string_equal(roles.roles[0].role_name, "Admin");
    assert_string_equal(roles.roles[1].role_name, "Billing");
    assert_string_equal(roles.roles[1].account_id, ACCOUNT_B);
    sso_role_list_clear(&roles);
}

static void
role_page_empty_token_ends(void **state)
{
    struct sso_role_list roles = { NULL, 0 };
    char *next = NULL;

    (void) state;
    assert_int_equal(parse_roles("{\"roleList\":[],\"nextToken\":\"\"}",
                                 ACCOUNT_A, &roles, &next),
                     SSO_PARSE_OK);
    assert_null(next);
    assert_int_equal(roles.count, 0);
    sso_role_list_clear(&roles);
}

static void
role_page_rejects_other_account(void **state)
{
    (void) state;
    assert_role_page_fails("{\"roleList\":["
                           "{\"accountId\":\"" ACCOUNT_A "\","
                           "\"roleName\":\"Billing\"},"
                           "{\"accountId\":\"" ACCOUNT_B "\","
                           "\"roleName\":\"Admin\"}]}",
                           SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[{\"roleName\":\"Billing\"}]}",
                           SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[{\"accountId\":111111111111,"
                           "\"roleName\":\"Billing\"}]}",
                           SSO_PARSE_INVALID);
}

static void
role_page_rejects_bad_role_name(void **state)
{
    char long_name[SSO_ROLE_NAME_MAX + 2];
    char body[sizeof(long_name) + 96];

    (void) state;
    assert_role_page_fails("{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
                           "\",\"roleName\":\"Bad\\u000aName\"}]}",
                           SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
                           "\",\"roleName\":\"Bad\\u0000Name\"}]}",
                           SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
                           "\",\"roleName\":\"Caf\xc3\xa9\"}]}",
                           SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
                           "\",\"roleName\":\"\"}]}",
                           SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
                           "\",\"roleName\":7}]}",
                           SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
                           "\"}]}",
                           SSO_PARSE_INVALID);

    memset(long_name, 'R', SSO_ROLE_NAME_MAX + 1);
    long_name[SSO_ROLE_NAME_MAX + 1] = '\0';
    snprintf(body, sizeof(body),
             "{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
             "\",\"roleName\":\"%s\"}]}",
             long_name);
    assert_role_page_fails(body, SSO_PARSE_INVALID);
}

static void
role_page_accepts_longest_role_name(void **state)
{
    struct sso_role_list roles = { NULL, 0 };
    char name[SSO_ROLE_NAME_MAX + 1];
    char body[sizeof(name) + 96];
    char *next = NULL;

    (void) state;
    memset(name, 'R', SSO_ROLE_NAME_MAX);
    name[SSO_ROLE_NAME_MAX] = '\0';
    snprintf(body, sizeof(body),
             "{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
             "\",\"roleName\":\"%s\"}]}",
             name);
    assert_int_equal(parse_roles(body, ACCOUNT_A, &roles, &next),
                     SSO_PARSE_OK);
    assert_int_equal(roles.count, 1);
    assert_string_equal(roles.roles[0].role_name, name);
    sso_role_list_clear(&roles);
}

static void
role_page_rejects_wrong_list_type(void **state)
{
    (void) state;
    assert_role_page_fails("{\"roleList\":\"Admin\"}", SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":null}", SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":{}}", SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[\"Admin\"]}", SSO_PARSE_INVALID);
    assert_role_page_fails("{\"accountList\":[]}", SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[]}x", SSO_PARSE_INVALID);
}

static void
role_page_bad_token_adds_nothing(void **state)
{
    (void) state;
    assert_role_page_fails("{\"roleList\":[{\"accountId\":\"" ACCOUNT_A
                           "\",\"roleName\":\"Billing\"}],\"nextToken\":{}}",
                           SSO_PARSE_INVALID);
}

static void
role_page_limit(void **state)
{
    char *body = build_large_page(SSO_ROLES_MAX + 1, true);

    (void) state;
    assert_role_page_fails(body, SSO_PARSE_LIMIT);
    free(body);
}

/* Role credentials */

#define VALID_KEY_ID "ASIAEXAMPLEKEY123456"
#define VALID_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define VALID_SESSION "IQoJb3JpZ2luX2VjEXAMPLE//token+part=="

static void
credentials_parse_valid(void **state)
{
    struct sso_credentials creds;

    (void) state;
    assert_int_equal(parse_credentials(
                         "{\"roleCredentials\":{"
                         "\"accessKeyId\":\"" VALID_KEY_ID "\","
                         "\"secretAccessKey\":\"" VALID_SECRET "\","
                         "\"sessionToken\":\"" VALID_SESSION "\","
                         "\"expiration\":1900000000000}}",
                         &creds),
                     SSO_PARSE_OK);
    assert_string_equal(creds.access_key_id, VALID_KEY_ID);
    assert_string_equal(creds.secret_access_key, VALID_SECRET);
    assert_string_equal(creds.session_token, VALID_SESSION);
    assert_int_equal(creds.expiration_ms, 1900000000000);
    sso_credentials_clear(&creds);
    assert_null(creds.access_key_id);
    assert_null(creds.secret_access_key);
    assert_null(creds.session_token);
    assert_int_equal(creds.expiration_ms, 0);
}

static void
credentials_reject_bad_expiration(void **state)
{
    static const char *const expirations[] = {
        "\"1900000000000\"", "1.9e12", "1900000000000.0", "0", "-1",
        "null", "true", "99999999999999999999",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(expirations) / sizeof(expirations[0]); i++) {
        char body[512];

        snprintf(body, sizeof(body),
                 "{\"roleCredentials\":{"
                 "\"accessKeyId\":\"" VALID_KEY_ID "\","
                 "\"secretAccessKey\":\"" VALID_SECRET "\","
                 "\"sessionToken\":\"" VALID_SESSION "\","
                 "\"expiration\":%s}}",
                 expirations[i]);
        assert_credentials_invalid(body);
    }
}

static void
credentials_reject_missing_fields(void **state)
{
    (void) state;
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"sessionToken\":\"" VALID_SESSION "\","
                               "\"expiration\":1900000000000}}");
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"secretAccessKey\":\"" VALID_SECRET "\","
                               "\"sessionToken\":\"" VALID_SESSION "\","
                               "\"expiration\":1900000000000}}");
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"secretAccessKey\":\"" VALID_SECRET "\","
                               "\"expiration\":1900000000000}}");
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"secretAccessKey\":\"" VALID_SECRET "\","
                               "\"sessionToken\":\"" VALID_SESSION "\"}}");
    assert_credentials_invalid("{\"roleCredentials\":null}");
    assert_credentials_invalid("{\"roleCredentials\":[]}");
    assert_credentials_invalid("{}");
}

static void
credentials_reject_bad_key_id(void **state)
{
    static const char *const key_ids[] = {
        "asiaexamplekey123456", "ASIAexampleKEY123456", "ASIAEXAMPLEKEY1",
        "ASIA EXAMPLEKEY12345", "ASIA-EXAMPLEKEY12345", "",
    };
    size_t i;

    (void) state;
    /* "ASIAEXAMPLEKEY1" is 15 bytes, one short of the minimum. */
    for (i = 0; i < sizeof(key_ids) / sizeof(key_ids[0]); i++) {
        char body[512];

        snprintf(body, sizeof(body),
                 "{\"roleCredentials\":{"
                 "\"accessKeyId\":\"%s\","
                 "\"secretAccessKey\":\"" VALID_SECRET "\","
                 "\"sessionToken\":\"" VALID_SESSION "\","
                 "\"expiration\":1900000000000}}",
                 key_ids[i]);
        assert_credentials_invalid(body);
    }
}

static void
credentials_reject_bad_secret(void **state)
{
    (void) state;
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"secretAccessKey\":\"two words\","
                               "\"sessionToken\":\"" VALID_SESSION "\","
                               "\"expiration\":1900000000000}}");
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"secretAccessKey\":\"\","
                               "\"sessionToken\":\"" VALID_SESSION "\","
                               "\"expiration\":1900000000000}}");
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"secretAccessKey\":\"" VALID_SECRET "\","
                               "\"sessionToken\":\"line\\nbreak\","
                               "\"expiration\":1900000000000}}");
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"secretAccessKey\":\"" VALID_SECRET
                               "\\u0000\","
                               "\"sessionToken\":\"" VALID_SESSION "\","
                               "\"expiration\":1900000000000}}");
}

static void
credentials_reject_trailing_data(void **state)
{
    (void) state;
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"secretAccessKey\":\"" VALID_SECRET "\","
                               "\"sessionToken\":\"" VALID_SESSION "\","
                               "\"expiration\":1900000000000}}x");
}

static void
pages_reject_duplicate_member_names(void **state)
{
    (void) state;
    assert_account_page_fails("{\"accountList\":[],\"accountList\":[]}",
                              SSO_PARSE_INVALID);
    assert_account_page_fails("{\"accountList\":[{\"accountId\":\"" ACCOUNT_A
                              "\",\"accountId\" : \"" ACCOUNT_B "\"}]}",
                              SSO_PARSE_INVALID);
    assert_role_page_fails("{\"roleList\":[{\"roleName\":\"A\",\"accountId\":"
                           "\"" ACCOUNT_A "\",\"roleName\":\"B\"}]}",
                           SSO_PARSE_INVALID);
    assert_credentials_invalid("{\"roleCredentials\":{"
                               "\"accessKeyId\":\"" VALID_KEY_ID "\","
                               "\"secretAccessKey\":\"" VALID_SECRET "\","
                               "\"sessionToken\":\"" VALID_SESSION "\","
                               "\"expiration\":1900000000000,"
                               "\"expiration\":1900000000001}}");
}

static void
pages_accept_same_name_in_other_objects(void **state)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next_token = NULL;

    (void) state;
    /* The same member name in two objects, and a value that looks like a
     * member name, are no duplicates. */
    assert_int_equal(parse_accounts("{\"accountList\":[{\"accountId\":\""
                                    ACCOUNT_A "\",\"accountName\":\"x:y\"},"
                                    "{\"accountId\":\"" ACCOUNT_B "\","
                                    "\"accountName\": \"accountId\"}],"
                                    "\"nextToken\":null}",
                                    &accounts, &next_token),
                     SSO_PARSE_OK);
    assert_int_equal(accounts.count, 2);
    assert_null(next_token);
    sso_account_list_clear(&accounts);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(account_page_without_next_token),
        cmocka_unit_test(account_page_with_next_token),
        cmocka_unit_test(account_page_empty_list),
        cmocka_unit_test(account_page_null_or_empty_token_ends),
        cmocka_unit_test(account_page_appends_second_page),
        cmocka_unit_test(account_page_accepts_surrounding_whitespace),
        cmocka_unit_test(account_page_rejects_trailing_data),
        cmocka_unit_test(pages_reject_duplicate_member_names),
        cmocka_unit_test(pages_accept_same_name_in_other_objects),
        cmocka_unit_test(account_page_rejects_broken_json),
        cmocka_unit_test(account_page_rejects_single_quotes),
        cmocka_unit_test(account_page_rejects_non_json_numbers),
        cmocka_unit_test(account_page_rejects_leading_zeros),
        cmocka_unit_test(account_page_accepts_zeros_inside_numbers),
        cmocka_unit_test(account_page_rejects_raw_control_bytes),
        cmocka_unit_test(account_page_rejects_invalid_utf8),
        cmocka_unit_test(account_page_rejects_overlong_utf8),
        cmocka_unit_test(account_page_nesting_limit),
        cmocka_unit_test(account_page_rejects_wrong_list_type),
        cmocka_unit_test(account_page_rejects_missing_list),
        cmocka_unit_test(account_page_rejects_bad_account_id),
        cmocka_unit_test(account_page_rejects_embedded_nul),
        cmocka_unit_test(account_page_rejects_bad_next_token),
        cmocka_unit_test(account_page_bad_token_adds_nothing),
        cmocka_unit_test(account_page_limit),
        cmocka_unit_test(role_page_without_next_token),
        cmocka_unit_test(role_page_appends_second_page),
        cmocka_unit_test(role_page_empty_token_ends),
        cmocka_unit_test(role_page_rejects_other_account),
        cmocka_unit_test(role_page_rejects_bad_role_name),
        cmocka_unit_test(role_page_accepts_longest_role_name),
        cmocka_unit_test(role_page_rejects_wrong_list_type),
        cmocka_unit_test(role_page_bad_token_adds_nothing),
        cmocka_unit_test(role_page_limit),
        cmocka_unit_test(credentials_parse_valid),
        cmocka_unit_test(credentials_reject_bad_expiration),
        cmocka_unit_test(credentials_reject_missing_fields),
        cmocka_unit_test(credentials_reject_bad_key_id),
        cmocka_unit_test(credentials_reject_bad_secret),
        cmocka_unit_test(credentials_reject_trailing_data),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
