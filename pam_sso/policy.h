/*
 * Allow rules and the choice of the role whose credentials are exported.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_POLICY_H
#define PAM_SSO_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* Most allow rules one configuration may hold. */
#define SSO_RULES_MAX 64

/* An ACCOUNT:ROLE pair; in a rule either side may contain '*' globs. */
struct sso_role_ref {
    char *account_id;
    char *role_name;
};

struct sso_rule_list {
    struct sso_role_ref *rules;
    size_t count;
};

/*
 * Parse TEXT, a comma-separated list of ACCOUNT:ROLE patterns, and append
 * them to RULES.  Spaces around each pattern are ignored.  ACCOUNT is digits
 * and '*', ROLE is printable ASCII without ',' and may contain ':' after the
 * first one.  On error returns -1 and points *REASON at a static message;
 * RULES keeps what it held before the call.
 */
int sso_rules_parse(struct sso_rule_list *rules, const char *text,
                    const char **reason);

/*
 * Parse TEXT as one literal ACCOUNT:ROLE (no globs) into REF.  Returns 0, or
 * -1 with *REASON set.
 */
int sso_role_ref_parse(struct sso_role_ref *ref, const char *text,
                       const char **reason);

void sso_role_ref_clear(struct sso_role_ref *ref);
void sso_rules_clear(struct sso_rule_list *rules);

/* Match TEXT against PATTERN, where '*' matches any run of bytes. */
bool sso_glob_match(const char *pattern, const char *text);

/* Whether any rule's account pattern matches ACCOUNT_ID. */
bool sso_rules_match_account(const struct sso_rule_list *rules,
                             const char *account_id);

/*
 * Collect the accounts of rules that each name one exact account.  Each
 * distinct id goes once into IDS (room for SSO_RULES_MAX, borrowed from
 * RULES), and their number is returned.  Returns 0 when any rule's account
 * has a '*'.
 */
size_t sso_rules_exact_accounts(const struct sso_rule_list *rules,
                                char **ids);

/* Whether allowed role A ranks before allowed role B: by the first rule
 * each matches, then account id, then role name. */
bool sso_role_ranks_before(const struct sso_rule_list *rules,
                           const struct sso_role_ref *a,
                           const struct sso_role_ref *b);

/*
 * Whether CHOSEN, the role sso_select_role() picked from the roles known so
 * far, stays the choice whatever the accounts in PENDING (COUNT ids whose
 * roles are not known yet) contain.  That is so when none of them matches
 * an earlier rule, or CHOSEN's rule with a smaller account id.
 */
bool sso_choice_is_final(const struct sso_rule_list *rules,
                         const struct sso_role_ref *chosen,
                         char *const *pending, size_t count);

/* Index of the first rule matching ACCOUNT_ID and ROLE_NAME, or -1. */
int sso_rules_find(const struct sso_rule_list *rules, const char *account_id,
                   const char *role_name);

/*
 * Choose the role to export from the COUNT roles in VISIBLE.  With REQUESTED
 * set, that role is chosen if it is visible and a rule allows it.  Otherwise
 * the result is the first visible role in the order: rule order, then
 * ascending account id, then ascending role name (byte order), so the choice
 * does not depend on the order the portal listed things in.  Returns the
 * index into VISIBLE, or -1 when no role qualifies.
 */
long sso_select_role(const struct sso_rule_list *rules,
                     const struct sso_role_ref *visible, size_t count,
                     const struct sso_role_ref *requested);

#endif
