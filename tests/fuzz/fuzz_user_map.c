/*
 * Fuzz target for the user map file and the user_match modes.
 *
 * Input: an SSO name on the first line, a local user on the second, and
 * map file text after that.  Every entry of a parsed map must keep the
 * documented field rules.  Every mode must reject a name at the 64
 * character limit.  A map line with the SSO name itself as its pattern
 * and the user must allow that pair, unless the name contains glob
 * characters.
 *
 * SPDX-License-Identifier: MIT
 */

#include "fuzz.h"
#include "text.h"
#include "user_binding.h"
#include "user_map.h"

#define INPUT_MAX (64 * 1024)

static void
check_entries(const struct sso_user_map *map)
{
    size_t i;

    for (i = 0; i < map->count; i++) {
        const char *pattern = map->entries[i].pattern;
        const char *user = map->entries[i].user;

        FUZZ_CHECK(strlen(pattern) > 0
                   && strlen(pattern) <= SSO_USER_MAP_FIELD_MAX);
        FUZZ_CHECK(strlen(user) > 0 && strlen(user) <= SSO_USER_MAP_FIELD_MAX);
        FUZZ_CHECK(sso_is_printable(pattern, strlen(pattern), false));
        FUZZ_CHECK(sso_is_printable(user, strlen(user), false));
        FUZZ_CHECK(strpbrk(user, ":/*?[]#") == NULL);
        FUZZ_CHECK(strchr(pattern, '#') == NULL);
    }
}

static void
check_modes(const struct sso_user_map *map, const char *name,
            const char *user)
{
    static const struct sso_user_match modes[] = {
        { SSO_USER_MATCH_EXACT, NULL },
        { SSO_USER_MATCH_LOCALPART, NULL },
        { SSO_USER_MATCH_MAP, (char *) "/fuzz" },
    };
    size_t i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        enum sso_binding_result result =
            sso_user_binding_check(&modes[i], "example.com", map, name, user);

        if (strlen(name) >= SSO_SESSION_NAME_MAX)
            FUZZ_CHECK(result == SSO_BINDING_TRUNCATED);
        else if (result == SSO_BINDING_OK && i == 0)
            FUZZ_CHECK(strcmp(name, user) == 0);
    }
}

/* A map of the one line "NAME USER" allows NAME as USER when neither has
 * a character the format gives a meaning. */
static void
check_literal_line(const char *name, const char *user)
{
    struct sso_user_map map;
    char error[SSO_USER_MAP_ERROR_MAX];
    size_t length = strlen(name) + strlen(user) + 3;
    char *line;

    if (name[0] == '\0' || user[0] == '\0'
        || strpbrk(name, "*?[]# \t\r") != NULL
        || strpbrk(user, ":/*?[]# \t\r") != NULL
        || strlen(name) > SSO_USER_MAP_FIELD_MAX
        || strlen(user) > SSO_USER_MAP_FIELD_MAX
        || !sso_is_printable(name, strlen(name), false)
        || !sso_is_printable(user, strlen(user), false))
        return;
    line = malloc(length);
    FUZZ_CHECK(line != NULL);
    snprintf(line, length, "%s %s\n", name, user);
    FUZZ_CHECK(sso_user_map_parse(line, strlen(line), "fuzz", &map, error,
                                  sizeof(error)) == 0);
    FUZZ_CHECK(sso_user_map_allows(&map, name, user));
    sso_user_map_clear(&map);
    free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sso_user_map map;
    char error[SSO_USER_MAP_ERROR_MAX];
    char *text;
    char *user;
    char *rest;

    if (size > INPUT_MAX || memchr(data, '\0', size) != NULL)
        return 0;
    text = fuzz_string(data, size);
    if (text == NULL)
        return 0;

    user = strchr(text, '\n');
    rest = user != NULL ? strchr(user + 1, '\n') : NULL;
    if (rest == NULL)
        goto done;
    *user++ = '\0';
    *rest++ = '\0';

    check_literal_line(text, user);
    if (sso_user_map_parse(rest, strlen(rest), "fuzz", &map, error,
                           sizeof(error)) != 0) {
        FUZZ_CHECK(map.count == 0 && map.entries == NULL);
        FUZZ_CHECK(strncmp(error, "fuzz:", 5) == 0);
        goto done;
    }
    check_entries(&map);
    check_modes(&map, text, user);
    sso_user_map_clear(&map);

done:
    free(text);
    return 0;
}
