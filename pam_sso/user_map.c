/*
 * The user map file of user_match=map.
 *
 * The map is read once per login, before the token prompt, so a broken map
 * refuses the login without a network call.  Every line is checked, also
 * lines that would never match, because a map the module half understands
 * may grant what the operator never wrote.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "user_map.h"

/* Whether the bracket expression that starts at PATTERN[0] == '[' is
 * closed, and where it ends (*END points at the ']'). */
static bool
bracket_closed(const char *pattern, const char **end)
{
    const char *p = pattern + 1;

    if (*p == '!' || *p == '^')
        p++;
    /* A ']' right after the opening is a member, not the end. */
    if (*p == ']')
        p++;
    while (*p != '\0' && *p != ']')
        p++;
    if (*p != ']')
        return false;
    *end = p;
    return true;
}

/* Whether PATTERN is a glob fnmatch() reads the way the map describes:
 * printable ASCII and every '[' closed. */
static bool
pattern_valid(const char *pattern, const char **reason)
{
    const char *p;

    if (!sso_is_printable(pattern, strlen(pattern), false)) {
        *reason = "the SSO name pattern is not printable ASCII";
        return false;
    }
    for (p = pattern; *p != '\0'; p++) {
        if (*p == '[' && !bracket_closed(p, &p)) {
            *reason = "the SSO name pattern has a '[' without its ']'";
            return false;
        }
    }
    return true;
}

/* Whether USER can be a local user name: printable ASCII without ':' or
 * '/', the separators of passwd and of paths, and no glob characters,
 * because the right field is literal. */
static bool
user_valid(const char *user, const char **reason)
{
    if (!sso_is_printable(user, strlen(user), false)
        || strpbrk(user, ":/*?[]") != NULL) {
        *reason = "the local user name has a character that no user name "
                  "has";
        return false;
    }
    return true;
}

/* Add PATTERN and USER to MAP.  Returns 0, or -1 when out of memory. */
static int
add_entry(struct sso_user_map *map, const char *pattern, const char *user)
{
    struct sso_user_map_entry *entries;
    struct sso_user_map_entry *entry;

    entries = realloc(map->entries, (map->count + 1) * sizeof(*entries));
    if (entries == NULL)
        return -1;
    map->entries = entries;

    entry = &entries[map->count];
    entry->pattern = strdup(pattern);
    entry->user = strdup(user);
    if (entry->pattern == NULL || entry->user == NULL) {
        free(entry->pattern);
        free(entry->user);
        return -1;
    }
    map->count++;
    return 0;
}

/* Parse one LINE (changed in place) into the map CONTEXT.  Returns 0, or
 * -1 with the reason in REASON. */
static int
parse_line(void *context, char *line, char *reason, size_t reason_size)
{
    static const char blanks[] = " \t\r";
    struct sso_user_map *map = context;
    char *fields[3] = { NULL, NULL, NULL };
    char *comment = strchr(line, '#');
    char *cursor = line;
    const char *problem = NULL;
    size_t count = 0;

    if (comment != NULL)
        *comment = '\0';

    while (count < 3 && (fields[count] = strtok_r(cursor, blanks, &cursor))
                        != NULL)
        count++;
    if (count == 0)
        return 0;

    /* The checks set PROBLEM when they fail. */
    if (count != 2) {
        problem = "expected two fields, an SSO name pattern and a local user";
    } else if (strlen(fields[0]) > SSO_USER_MAP_FIELD_MAX
               || strlen(fields[1]) > SSO_USER_MAP_FIELD_MAX) {
        problem = "field too long";
    } else if (pattern_valid(fields[0], &problem)
               && user_valid(fields[1], &problem)
               && add_entry(map, fields[0], fields[1]) != 0) {
        problem = "out of memory";
    }

    if (problem == NULL)
        return 0;
    snprintf(reason, reason_size, "%s", problem);
    return -1;
}

int
sso_user_map_parse(const char *text, size_t length, const char *name,
                   struct sso_user_map *map, char *error, size_t error_size)
{
    memset(map, 0, sizeof(*map));
    if (sso_text_each_line(text, length, name, parse_line, map, error,
                           error_size) != 0) {
        sso_user_map_clear(map);
        return -1;
    }
    return 0;
}

bool
sso_user_map_allows(const struct sso_user_map *map, const char *sso_name,
                    const char *user)
{
    size_t i;

    /* FNM_NOESCAPE keeps a backslash literal.  Without FNM_PATHNAME and
     * FNM_PERIOD, '*' also matches '/' and a leading '.'. */
    for (i = 0; i < map->count; i++)
        if (strcmp(map->entries[i].user, user) == 0
            && fnmatch(map->entries[i].pattern, sso_name, FNM_NOESCAPE) == 0)
            return true;
    return false;
}

void
sso_user_map_clear(struct sso_user_map *map)
{
    size_t i;

    for (i = 0; i < map->count; i++) {
        free(map->entries[i].pattern);
        free(map->entries[i].user);
    }
    free(map->entries);
    memset(map, 0, sizeof(*map));
}
