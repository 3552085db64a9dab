/*
 * Fuzz target for sso_parse_role_credentials: one GetRoleCredentials
 * response body.  An accepted body must be strict JSON and set every
 * field within its bounds; a rejected one must leave every field empty.
 *
 * SPDX-License-Identifier: MIT
 */

#include "fuzz.h"
#include "http.h"
#include "json_check.h"
#include "portal_json.h"
#include "text.h"

static void
check_secret(const char *value)
{
    FUZZ_CHECK(value != NULL);
    FUZZ_CHECK(value[0] != '\0');
    FUZZ_CHECK(strlen(value) <= SSO_CREDENTIAL_MAX);
    FUZZ_CHECK(sso_is_printable(value, strlen(value), false));
}

static void
check_accepted(const char *body, size_t size,
               const struct sso_credentials *creds)
{
    size_t key_length;

    FUZZ_CHECK(json_check_object_text(body, size));

    FUZZ_CHECK(creds->access_key_id != NULL);
    key_length = strlen(creds->access_key_id);
    FUZZ_CHECK(key_length >= 16 && key_length <= 128);
    FUZZ_CHECK(strspn(creds->access_key_id,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == key_length);

    check_secret(creds->secret_access_key);
    check_secret(creds->session_token);
    FUZZ_CHECK(creds->expiration_ms > 0);
    FUZZ_CHECK(creds->expiration_ms < INT64_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sso_credentials creds;
    char *body;

    /* The module never parses more than one bounded response body. */
    if (size > SSO_HTTP_BODY_MAX)
        return 0;

    body = fuzz_string(data, size);
    if (body == NULL)
        return 0;

    if (sso_parse_role_credentials(body, size, &creds) == SSO_PARSE_OK) {
        check_accepted(body, size, &creds);
    } else {
        FUZZ_CHECK(creds.access_key_id == NULL);
        FUZZ_CHECK(creds.secret_access_key == NULL);
        FUZZ_CHECK(creds.session_token == NULL);
        FUZZ_CHECK(creds.expiration_ms == 0);
    }

    sso_credentials_clear(&creds);
    free(body);
    return 0;
}
