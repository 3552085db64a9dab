/*
 * Fuzz target for sso_parse_account_page: one ListAccounts response body.
 *
 * The list already contains one account when the page is parsed, so the
 * target can check that a rejected page leaves earlier entries as they
 * were.  An accepted page must be strict JSON and add only 12-digit ids.
 *
 * SPDX-License-Identifier: MIT
 */

#include "fuzz.h"
#include "http.h"
#include "json_check.h"
#include "portal_json.h"
#include "text.h"

#define EARLIER_ID "000011112222"

static void
check_accepted(const char *body, size_t size,
               const struct sso_account_list *accounts, const char *next)
{
    size_t i;

    FUZZ_CHECK(json_check_object_text(body, size));
    FUZZ_CHECK(accounts->count >= 1);
    FUZZ_CHECK(strcmp(accounts->ids[0], EARLIER_ID) == 0);

    for (i = 1; i < accounts->count; i++) {
        FUZZ_CHECK(strlen(accounts->ids[i]) == 12);
        FUZZ_CHECK(strspn(accounts->ids[i], "0123456789") == 12);
    }
    if (next != NULL) {
        FUZZ_CHECK(next[0] != '\0');
        FUZZ_CHECK(strlen(next) <= SSO_NEXT_TOKEN_MAX);
        FUZZ_CHECK(sso_is_printable(next, strlen(next), false));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sso_account_list accounts = { NULL, 0 };
    char *next = NULL;
    char *body;
    enum sso_parse_result result;

    /* The module never parses more than one bounded response body. */
    if (size > SSO_HTTP_BODY_MAX)
        return 0;

    body = fuzz_string(data, size);
    accounts.ids = malloc(sizeof(*accounts.ids));
    if (body == NULL || accounts.ids == NULL)
        goto done;
    accounts.ids[0] = strdup(EARLIER_ID);
    if (accounts.ids[0] == NULL)
        goto done;
    accounts.count = 1;

    result = sso_parse_account_page(body, size, &accounts, &next);
    if (result == SSO_PARSE_OK) {
        check_accepted(body, size, &accounts, next);
    } else {
        FUZZ_CHECK(next == NULL);
        FUZZ_CHECK(accounts.count == 1);
        FUZZ_CHECK(strcmp(accounts.ids[0], EARLIER_ID) == 0);
    }

done:
    free(next);
    sso_account_list_clear(&accounts);
    free(body);
    return 0;
}
