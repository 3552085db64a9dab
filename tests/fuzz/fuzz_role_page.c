/*
 * Fuzz target for sso_parse_role_page: one ListAccountRoles response body
 * for a fixed account id.
 *
 * The list already contains one role when the page is parsed, so the target
 * can check that a rejected page leaves earlier entries as they were.  An
 * accepted page must be strict JSON and add only roles of the requested
 * account with names of 1 to SSO_ROLE_NAME_MAX printable bytes.
 *
 * SPDX-License-Identifier: MIT
 */

#include "fuzz.h"
#include "http.h"
#include "json_check.h"
#include "portal_json.h"
#include "text.h"

#define ACCOUNT_ID "123456789012"
#define EARLIER_ACCOUNT "000011112222"
#define EARLIER_ROLE "Earlier"

static bool
is_earlier_role(const struct sso_role_ref *role)
{
    return strcmp(role->account_id, EARLIER_ACCOUNT) == 0
           && strcmp(role->role_name, EARLIER_ROLE) == 0;
}

static void
check_accepted(const char *body, size_t size,
               const struct sso_role_list *roles, const char *next)
{
    size_t i;

    FUZZ_CHECK(json_check_object_text(body, size));
    FUZZ_CHECK(roles->count >= 1);
    FUZZ_CHECK(is_earlier_role(&roles->roles[0]));

    for (i = 1; i < roles->count; i++) {
        const char *name = roles->roles[i].role_name;

        FUZZ_CHECK(strcmp(roles->roles[i].account_id, ACCOUNT_ID) == 0);
        FUZZ_CHECK(name[0] != '\0');
        FUZZ_CHECK(strlen(name) <= SSO_ROLE_NAME_MAX);
        FUZZ_CHECK(sso_is_printable(name, strlen(name), true));
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
    struct sso_role_list roles = { NULL, 0 };
    char *next = NULL;
    char *body;
    enum sso_parse_result result;

    /* The module never parses more than one bounded response body. */
    if (size > SSO_HTTP_BODY_MAX)
        return 0;

    body = fuzz_string(data, size);
    roles.roles = malloc(sizeof(*roles.roles));
    if (body == NULL || roles.roles == NULL)
        goto done;
    roles.roles[0].account_id = strdup(EARLIER_ACCOUNT);
    roles.roles[0].role_name = strdup(EARLIER_ROLE);
    roles.count = 1;
    if (roles.roles[0].account_id == NULL || roles.roles[0].role_name == NULL)
        goto done;

    result = sso_parse_role_page(body, size, ACCOUNT_ID, &roles, &next);
    if (result == SSO_PARSE_OK) {
        check_accepted(body, size, &roles, next);
    } else {
        FUZZ_CHECK(next == NULL);
        FUZZ_CHECK(roles.count == 1);
        FUZZ_CHECK(is_earlier_role(&roles.roles[0]));
    }

done:
    free(next);
    sso_role_list_clear(&roles);
    free(body);
    return 0;
}
