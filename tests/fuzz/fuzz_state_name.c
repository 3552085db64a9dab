/*
 * Fuzz target for sso_state_name_valid, which checks the state file name
 * that the session steps read back from the PAM environment before they
 * use it as a file name.  Other PAM modules can set that environment, so
 * the name is untrusted.
 *
 * Accepted names are compared with a POSIX regular expression of the name
 * that sso_state_save writes: the expiry in decimal, '-', and 16 random
 * bytes in lowercase hex.
 *
 * SPDX-License-Identifier: MIT
 */

#include <regex.h>

#include "fuzz.h"
#include "session_state.h"

#define INPUT_MAX 1024

#define NAME_PATTERN "^[0-9]{1,18}-[0-9a-f]{32}$"

static bool
reference_name_valid(const char *name)
{
    static regex_t pattern;
    static bool compiled;

    if (!compiled) {
        FUZZ_CHECK(regcomp(&pattern, NAME_PATTERN,
                           REG_EXTENDED | REG_NOSUB) == 0);
        compiled = true;
    }
    return regexec(&pattern, name, 0, NULL, 0) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name;
    bool valid;

    /* PAM environment values are C strings, so they contain no NUL byte. */
    if (size > INPUT_MAX || memchr(data, '\0', size) != NULL)
        return 0;
    name = fuzz_string(data, size);
    if (name == NULL)
        return 0;

    valid = sso_state_name_valid(name);
    FUZZ_CHECK(valid == reference_name_valid(name));
    if (valid) {
        FUZZ_CHECK(strlen(name) < SSO_STATE_NAME_MAX);
        FUZZ_CHECK(strchr(name, '/') == NULL);
    }

    free(name);
    return 0;
}
