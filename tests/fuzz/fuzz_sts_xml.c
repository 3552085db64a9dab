/*
 * Fuzz target for the STS XML parsers and the caller ARN check: the input
 * is a response body as STS might send it.
 *
 * A parsed identity must keep the documented bounds, and the session name
 * taken from its ARN must be one STS could give.  The same body is also
 * read as an error response, whose code must be printable.
 *
 * SPDX-License-Identifier: MIT
 */

#include "fuzz.h"
#include "http.h"
#include "sts_xml.h"
#include "text.h"
#include "user_binding.h"

#define ACCOUNT "111122223333"
#define ROLE "Admin"

static const char session_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-";

static void
check_identity(const struct sso_caller_identity *identity)
{
    char name[SSO_SESSION_NAME_MAX + 1];
    const char *reason = NULL;
    size_t length = strlen(identity->arn);

    FUZZ_CHECK(length >= 20 && length <= SSO_ARN_MAX);
    FUZZ_CHECK(sso_is_printable(identity->arn, length, false));
    FUZZ_CHECK(strlen(identity->account) == 12);
    FUZZ_CHECK(strspn(identity->account, "0123456789") == 12);

    if (sso_caller_session_name(identity->arn, ACCOUNT, ROLE, name,
                                &reason) != 0) {
        FUZZ_CHECK(reason != NULL && name[0] == '\0');
        return;
    }
    length = strlen(name);
    FUZZ_CHECK(length >= 2 && length <= SSO_SESSION_NAME_MAX);
    FUZZ_CHECK(strspn(name, session_chars) == length);
    FUZZ_CHECK(strncmp(identity->arn, "arn:", 4) == 0);
    FUZZ_CHECK(strstr(identity->arn, ":sts::" ACCOUNT ":assumed-role/"
                      "AWSReservedSSO_" ROLE "_") != NULL);
    FUZZ_CHECK(strcmp(identity->arn + strlen(identity->arn) - length, name)
               == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sso_caller_identity identity;
    char code[SSO_STS_CODE_MAX];
    enum sso_parse_result result;

    /* The module never parses a body above its HTTP limit. */
    if (size > SSO_HTTP_BODY_MAX)
        return 0;

    result = sso_parse_caller_identity((const char *) data, size, &identity);
    FUZZ_CHECK(result == SSO_PARSE_OK || result == SSO_PARSE_INVALID
               || result == SSO_PARSE_NO_MEMORY);
    if (result == SSO_PARSE_OK)
        check_identity(&identity);
    else
        FUZZ_CHECK(identity.arn[0] == '\0' && identity.account[0] == '\0');

    result = sso_parse_sts_error((const char *) data, size, code);
    if (result == SSO_PARSE_OK)
        FUZZ_CHECK(code[0] != '\0'
                   && sso_is_printable(code, strlen(code), false));
    else
        FUZZ_CHECK(code[0] == '\0');
    return 0;
}
