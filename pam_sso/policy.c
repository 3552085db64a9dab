/*
 * Allow rules and the choice of the role whose credentials are exported.
 *
 * A rule is ACCOUNT:ROLE with '*' globs.  The rules decide two things: which
 * accounts are worth a ListAccountRoles call, and which of the visible roles
 * may be exported.  A token with no visible role that a rule allows does not
 * log in.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "text.h"

/* Role names are at most 64 bytes in IAM; leave room for what the portal
 * calls a role (the permission set name) and for globs. */
#define SSO_PATTERN_MAX 128

static bool
is_account_pattern(const char *s)
{
    if (*s == '\0')
        return false;

    for (; *s != '\0'; s++)
        if (!(*s >= '0' && *s <= '9') && *s != '*')
            return false;

    return true;
}

/* NOTE: permission set names may contain ',', but a rule cannot name such a
 * role except through a '*' glob, because ',' separates rules. */
static bool
is_role_pattern(const char *s)
{
    return *s != '\0' && strchr(s, ',') == NULL
           && sso_is_printable(s, strlen(s), true);
}

/* Split "ACCOUNT:ROLE" held in TEXT[0..LEN) into a fresh REF. */
static int
split_pair(struct sso_role_ref *ref, const char *text, size_t len,
           const char **reason)
{
    const char *colon = memchr(text, ':', len);

    if (len > SSO_PATTERN_MAX) {
        *reason = "pattern longer than 128 bytes";
        return -1;
    }
    if (colon == NULL) {
        *reason = "expected ACCOUNT:ROLE";
        return -1;
    }

    ref->account_id = strndup(text, (size_t) (colon - text));
    ref->role_name = strndup(colon + 1, len - (size_t) (colon - text) - 1);
    if (ref->account_id == NULL || ref->role_name == NULL) {
        sso_role_ref_clear(ref);
        *reason = "out of memory";
        return -1;
    }

    if (!is_account_pattern(ref->account_id)) {
        sso_role_ref_clear(ref);
        *reason = "account must be digits and '*'";
        return -1;
    }
    if (!is_role_pattern(ref->role_name)) {
        sso_role_ref_clear(ref);
        *reason = "role must be non-empty printable ASCII";
        return -1;
    }
    return 0;
}

int
sso_rules_parse(struct sso_rule_list *rules, const char *text,
                const char **reason)
{
    struct sso_rule_list added = { NULL, 0 };
    const char *p = text;
    int status = -1;

    while (true) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t) (end - p) : strlen(p);
        struct sso_role_ref *grown;

        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;

        if (len == 0) {
            *reason = "empty pattern";
            goto done;
        }
        if (rules->count + added.count >= SSO_RULES_MAX) {
            *reason = "more than 64 allow rules";
            goto done;
        }

        grown = realloc(added.rules, (added.count + 1) * sizeof(*grown));
        if (grown == NULL) {
            *reason = "out of memory";
            goto done;
        }
        added.rules = grown;
        if (split_pair(&added.rules[added.count], p, len, reason) != 0)
            goto done;
        added.count++;

        if (end == NULL)
            break;
        p = end + 1;
    }

    /* Append only once every pattern parsed, so a bad list adds nothing. */
    {
        struct sso_role_ref *all;

        all = realloc(rules->rules,
                      (rules->count + added.count) * sizeof(*all));
        if (all == NULL) {
            *reason = "out of memory";
            goto done;
        }
        memcpy(all + rules->count, added.rules,
               added.count * sizeof(*all));
        rules->rules = all;
        rules->count += added.count;
        free(added.rules);
        added.rules = NULL;
        added.count = 0;
    }
    status = 0;

done:
    sso_rules_clear(&added);
    return status;
}

int
sso_role_ref_parse(struct sso_role_ref *ref, const char *text,
                   const char **reason)
{
    if (strchr(text, '*') != NULL) {
        *reason = "a role may not contain '*'";
        return -1;
    }
    return split_pair(ref, text, strlen(text), reason);
}

void
sso_role_ref_clear(struct sso_role_ref *ref)
{
    free(ref->account_id);
    free(ref->role_name);
    ref->account_id = NULL;
    ref->role_name = NULL;
}

void
sso_rules_clear(struct sso_rule_list *rules)
{
    size_t i;

    for (i = 0; i < rules->count; i++)
        sso_role_ref_clear(&rules->rules[i]);
    free(rules->rules);
    rules->rules = NULL;
    rules->count = 0;
}

bool
sso_glob_match(const char *pattern, const char *text)
{
    const char *star = NULL;
    const char *resume = NULL;

    /* Iterative matcher with one backtrack point: linear in practice and
     * never recursive, whatever the number of stars. */
    while (*text != '\0') {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == *text) {
            pattern++;
            text++;
        } else if (star != NULL) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return false;
        }
    }

    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

bool
sso_rules_match_account(const struct sso_rule_list *rules,
                        const char *account_id)
{
    size_t i;

    for (i = 0; i < rules->count; i++)
        if (sso_glob_match(rules->rules[i].account_id, account_id))
            return true;
    return false;
}

size_t
sso_rules_exact_accounts(const struct sso_rule_list *rules, char **ids)
{
    size_t count = 0;
    size_t i;
    size_t j;

    for (i = 0; i < rules->count; i++) {
        char *account = rules->rules[i].account_id;

        if (strchr(account, '*') != NULL)
            return 0;
        for (j = 0; j < count && strcmp(ids[j], account) != 0; j++)
            continue;
        if (j == count)
            ids[count++] = account;
    }
    return count;
}

int
sso_rules_find(const struct sso_rule_list *rules, const char *account_id,
               const char *role_name)
{
    size_t i;

    for (i = 0; i < rules->count; i++) {
        const struct sso_role_ref *rule = &rules->rules[i];

        if (sso_glob_match(rule->account_id, account_id)
            && sso_glob_match(rule->role_name, role_name))
            return (int) i;
    }
    return -1;
}

/* Whether A sorts before B by account id, then role name. */
static bool
role_before(const struct sso_role_ref *a, const struct sso_role_ref *b)
{
    int by_account = strcmp(a->account_id, b->account_id);

    if (by_account != 0)
        return by_account < 0;
    return strcmp(a->role_name, b->role_name) < 0;
}

bool
sso_role_ranks_before(const struct sso_rule_list *rules,
                      const struct sso_role_ref *a,
                      const struct sso_role_ref *b)
{
    int rank_a = sso_rules_find(rules, a->account_id, a->role_name);
    int rank_b = sso_rules_find(rules, b->account_id, b->role_name);

    if (rank_a != rank_b)
        return rank_a < rank_b;
    return role_before(a, b);
}

bool
sso_choice_is_final(const struct sso_rule_list *rules,
                    const struct sso_role_ref *chosen, char *const *pending,
                    size_t count)
{
    int rank = sso_rules_find(rules, chosen->account_id, chosen->role_name);
    size_t i;
    int r;

    for (i = 0; i < count; i++) {
        for (r = 0; r <= rank; r++) {
            if (!sso_glob_match(rules->rules[r].account_id, pending[i]))
                continue;
            if (r < rank || strcmp(pending[i], chosen->account_id) < 0)
                return false;
        }
    }
    return true;
}

long
sso_select_role(const struct sso_rule_list *rules,
                const struct sso_role_ref *visible, size_t count,
                const struct sso_role_ref *requested)
{
    long best = -1;
    int best_rule = -1;
    size_t i;

    for (i = 0; i < count; i++) {
        const struct sso_role_ref *role = &visible[i];
        int rule = sso_rules_find(rules, role->account_id, role->role_name);

        if (rule < 0)
            continue;

        if (requested != NULL && requested->account_id != NULL) {
            if (strcmp(role->account_id, requested->account_id) == 0
                && strcmp(role->role_name, requested->role_name) == 0)
                return (long) i;
            continue;
        }

        if (best < 0 || rule < best_rule
            || (rule == best_rule && role_before(role, &visible[best]))) {
            best = (long) i;
            best_rule = rule;
        }
    }
    return best;
}
