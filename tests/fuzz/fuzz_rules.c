/*
 * Fuzz target for the allow rules: sso_rules_parse, sso_role_ref_parse,
 * the glob matcher and the role choice.
 *
 * Input lines, separated by '\n': the allow rules; the requested role
 * (role=), empty for none; then up to VISIBLE_MAX visible roles, each
 * ACCOUNT:ROLE split at the first ':', taken as given because the matcher
 * must cope with any text.
 *
 * Every result of the matcher and of sso_select_role is compared with a
 * plain reimplementation of the documented rule.
 *
 * SPDX-License-Identifier: MIT
 */

#include "fuzz.h"
#include "policy.h"
#include "text.h"

#define INPUT_MAX 4096
#define VISIBLE_MAX 32

/* Maximum length of an ACCOUNT:ROLE pattern that sso_rules_parse accepts. */
#define PATTERN_MAX 128

/*
 * Whether PATTERN matches TEXT, where '*' matches any run of bytes, by
 * dynamic programming over prefixes: row[j] is true when the pattern so far
 * matches the first J bytes of TEXT.
 */
static bool
reference_glob(const char *pattern, const char *text)
{
    size_t length = strlen(text);
    bool *row = calloc(length + 1, sizeof(*row));
    bool matched;
    size_t j;

    FUZZ_CHECK(row != NULL);
    row[0] = true;
    for (; *pattern != '\0'; pattern++) {
        if (*pattern == '*') {
            for (j = 1; j <= length; j++)
                row[j] = row[j] || row[j - 1];
        } else {
            for (j = length; j > 0; j--)
                row[j] = row[j - 1] && text[j - 1] == *pattern;
            row[0] = false;
        }
    }
    matched = row[length];
    free(row);
    return matched;
}

static long
reference_find(const struct sso_rule_list *rules, const char *account,
               const char *role)
{
    size_t i;

    for (i = 0; i < rules->count; i++)
        if (reference_glob(rules->rules[i].account_id, account)
            && reference_glob(rules->rules[i].role_name, role))
            return (long) i;
    return -1;
}

/* The first role by (rule index, account id, role name), as policy.h
 * documents; with REQUESTED, the first visible role equal to it. */
static long
reference_select(const struct sso_rule_list *rules,
                 const struct sso_role_ref *visible, size_t count,
                 const struct sso_role_ref *requested)
{
    long best = -1;
    long best_rule = -1;
    size_t i;

    for (i = 0; i < count; i++) {
        long rule = reference_find(rules, visible[i].account_id,
                                   visible[i].role_name);
        int by_account;

        if (rule < 0)
            continue;
        if (requested != NULL) {
            if (strcmp(visible[i].account_id, requested->account_id) == 0
                && strcmp(visible[i].role_name, requested->role_name) == 0)
                return (long) i;
            continue;
        }
        if (best >= 0) {
            by_account = strcmp(visible[i].account_id,
                                visible[best].account_id);
            if (rule > best_rule
                || (rule == best_rule
                    && (by_account > 0
                        || (by_account == 0
                            && strcmp(visible[i].role_name,
                                      visible[best].role_name) >= 0))))
                continue;
        }
        best = (long) i;
        best_rule = rule;
    }
    return best;
}

static void
check_pattern(const struct sso_role_ref *rule, bool globs)
{
    const char *account = rule->account_id;
    const char *role = rule->role_name;

    FUZZ_CHECK(account[0] != '\0');
    FUZZ_CHECK(strspn(account, globs ? "0123456789*" : "0123456789")
               == strlen(account));
    FUZZ_CHECK(role[0] != '\0');
    FUZZ_CHECK(strchr(role, ',') == NULL);
    FUZZ_CHECK(globs || strchr(role, '*') == NULL);
    FUZZ_CHECK(sso_is_printable(role, strlen(role), true));
    FUZZ_CHECK(strlen(account) + 1 + strlen(role) <= PATTERN_MAX);
}

/* Parse TEXT twice into one list: the second call must append the same
 * rules again, or fail and leave the list as the first call made it. */
static void
parse_rules(struct sso_rule_list *rules, const char *text)
{
    const char *reason = NULL;
    size_t first;
    size_t i;

    if (sso_rules_parse(rules, text, &reason) != 0) {
        FUZZ_CHECK(reason != NULL);
        FUZZ_CHECK(rules->count == 0);
        return;
    }
    first = rules->count;
    FUZZ_CHECK(first >= 1 && first <= SSO_RULES_MAX);
    for (i = 0; i < first; i++)
        check_pattern(&rules->rules[i], true);

    if (sso_rules_parse(rules, text, &reason) != 0) {
        FUZZ_CHECK(rules->count == first);
        FUZZ_CHECK(2 * first > SSO_RULES_MAX);
        return;
    }
    FUZZ_CHECK(rules->count == 2 * first);
    FUZZ_CHECK(rules->count <= SSO_RULES_MAX);
    for (i = 0; i < first; i++) {
        FUZZ_CHECK(strcmp(rules->rules[first + i].account_id,
                          rules->rules[i].account_id) == 0);
        FUZZ_CHECK(strcmp(rules->rules[first + i].role_name,
                          rules->rules[i].role_name) == 0);
    }
}

/* Split LINE (edited in place) at its first ':' into ROLE. */
static void
split_visible(char *line, struct sso_role_ref *role)
{
    char *colon = strchr(line, ':');

    role->account_id = line;
    role->role_name = line + strlen(line);
    if (colon != NULL) {
        *colon = '\0';
        role->role_name = colon + 1;
    }
}

static void
check_matching(const struct sso_rule_list *rules,
               const struct sso_role_ref *visible, size_t count,
               const struct sso_role_ref *requested)
{
    size_t i;
    size_t r;

    for (i = 0; i < count; i++) {
        bool any_account = false;

        for (r = 0; r < rules->count; r++) {
            const struct sso_role_ref *rule = &rules->rules[r];
            bool account = reference_glob(rule->account_id,
                                          visible[i].account_id);

            any_account = any_account || account;
            FUZZ_CHECK(sso_glob_match(rule->account_id,
                                      visible[i].account_id) == account);
            FUZZ_CHECK(sso_glob_match(rule->role_name, visible[i].role_name)
                       == reference_glob(rule->role_name,
                                         visible[i].role_name));
        }
        FUZZ_CHECK(sso_rules_match_account(rules, visible[i].account_id)
                   == any_account);
        FUZZ_CHECK(sso_rules_find(rules, visible[i].account_id,
                                  visible[i].role_name)
                   == reference_find(rules, visible[i].account_id,
                                     visible[i].role_name));
    }

    FUZZ_CHECK(sso_select_role(rules, visible, count, NULL)
               == reference_select(rules, visible, count, NULL));
    if (requested != NULL)
        FUZZ_CHECK(sso_select_role(rules, visible, count, requested)
                   == reference_select(rules, visible, count, requested));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sso_rule_list rules = { NULL, 0 };
    struct sso_role_ref requested = { NULL, NULL };
    struct sso_role_ref visible[VISIBLE_MAX];
    const char *reason = NULL;
    size_t count = 0;
    char *text;
    char *line;
    char *next;

    if (size > INPUT_MAX)
        return 0;
    text = fuzz_string(data, size);
    if (text == NULL)
        return 0;

    line = text;
    next = strchr(line, '\n');
    if (next != NULL)
        *next++ = '\0';
    parse_rules(&rules, line);

    line = next;
    next = line != NULL ? strchr(line, '\n') : NULL;
    if (next != NULL)
        *next++ = '\0';
    if (line != NULL && line[0] != '\0'
        && sso_role_ref_parse(&requested, line, &reason) == 0)
        check_pattern(&requested, false);
    else
        FUZZ_CHECK(requested.account_id == NULL);

    for (line = next; line != NULL && count < VISIBLE_MAX; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        split_visible(line, &visible[count++]);
    }

    check_matching(&rules, visible, count,
                   requested.account_id != NULL ? &requested : NULL);

    sso_role_ref_clear(&requested);
    sso_rules_clear(&rules);
    free(text);
    return 0;
}
