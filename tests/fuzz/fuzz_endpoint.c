/*
 * Fuzz target for the region and endpoint checks and the portal URL that
 * is built from a region.
 *
 * The input is one value, as it would follow "region=" or "endpoint=".
 * sso_region_valid is compared with a POSIX regular expression of the
 * shape that endpoint.h documents, and every URL built from a valid region
 * must pass sso_endpoint_check.
 *
 * SPDX-License-Identifier: MIT
 */

#include <regex.h>

#include "endpoint.h"
#include "fuzz.h"
#include "text.h"

/* The longest value that the options accept (OPTION_VALUE_MAX). */
#define INPUT_MAX 4096

/* Letters, one or more "-letters" groups, then "-digits", 6 to 32 bytes;
 * the first group has 2 to 4 letters. */
#define REGION_PATTERN "^[a-z]{2,4}(-[a-z]+)+-[0-9]+$"
#define REGION_LENGTH_MIN 6
#define REGION_LENGTH_MAX 32

static bool
reference_region_valid(const char *name)
{
    static regex_t pattern;
    static bool compiled;
    size_t length = strlen(name);

    if (!compiled) {
        FUZZ_CHECK(regcomp(&pattern, REGION_PATTERN,
                           REG_EXTENDED | REG_NOSUB) == 0);
        compiled = true;
    }
    return length >= REGION_LENGTH_MIN && length <= REGION_LENGTH_MAX
           && regexec(&pattern, name, 0, NULL, 0) == 0;
}

static void
check_endpoint(const char *url)
{
    const char *reason = NULL;
    const char *host;
    char *copy;

    if (sso_endpoint_check(url, &reason) != 0) {
        FUZZ_CHECK(reason != NULL);
        return;
    }

    FUZZ_CHECK(strncmp(url, "https://", 8) == 0);
    host = url + strlen("https://");
    FUZZ_CHECK(host[0] != '\0' && host[0] != '/' && host[0] != ':');
    FUZZ_CHECK(sso_is_printable(url, strlen(url), false));
    FUZZ_CHECK(strpbrk(url, "?#@\\") == NULL);

    /* An endpoint given in the options is used as it is. */
    copy = sso_portal_base_url(url, NULL, false, false);
    FUZZ_CHECK(copy != NULL);
    FUZZ_CHECK(strcmp(copy, url) == 0);
    free(copy);
}

static void
check_region(const char *region)
{
    int flags;

    FUZZ_CHECK(sso_region_valid(region) == reference_region_valid(region));
    if (!sso_region_valid(region))
        return;

    for (flags = 0; flags < 4; flags++) {
        char *url = sso_portal_base_url(NULL, region, (flags & 1) != 0,
                                        (flags & 2) != 0);
        const char *reason = NULL;

        FUZZ_CHECK(url != NULL);
        FUZZ_CHECK(sso_endpoint_check(url, &reason) == 0);
        FUZZ_CHECK(strstr(url, region) != NULL);
        FUZZ_CHECK(strchr(url + strlen("https://"), '/') == NULL);
        free(url);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value;

    /* Option values come from C strings, so they contain no NUL byte. */
    if (size > INPUT_MAX || memchr(data, '\0', size) != NULL)
        return 0;
    value = fuzz_string(data, size);
    if (value == NULL)
        return 0;

    check_region(value);
    check_endpoint(value);

    free(value);
    return 0;
}
