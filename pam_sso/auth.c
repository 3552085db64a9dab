/*
 * The authentication and session steps behind the PAM entry points.
 *
 * A login is allowed when the portal accepts the token, a role visible to
 * it matches an allow rule, that role's credentials arrive intact, and
 * (unless user_match=none) STS names an owner of the credentials whom
 * user_match lets in as the PAM user.  Any other outcome (a bad
 * configuration, a malformed response, a timeout) refuses the login.  Each
 * decision is logged once with the user, the remote host, the tty, the
 * account, the role and the reason.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "auth.h"
#include "config_file.h"
#include "conversation.h"
#include "endpoint.h"
#include "env_export.h"
#include "http.h"
#include "logging.h"
#include "options.h"
#include "portal.h"
#include "secret.h"
#include "session.h"
#include "session_state.h"
#include "sts.h"
#include "user_binding.h"
#include "user_map.h"

/* Delay after a failed authentication, in microseconds: pam_unix's. */
#define SSO_FAIL_DELAY_USEC 2000000

/* Shown for a token the portal rejects, and for one that cannot be a
 * token, alike. */
#define SSO_MESSAGE_REJECTED "The SSO access token was rejected."

/* Shown when the token's owner may not log in as this user. */
#define SSO_MESSAGE_NOT_OWNER \
    "The SSO access token does not belong to this user."

/* Shown when STS refuses the credentials, or names no owner the module
 * can compare. */
#define SSO_MESSAGE_OWNER_UNKNOWN \
    "The owner of the SSO access token cannot be confirmed."

/* Signing region of STS when neither aws_region nor region is set: the
 * region of STS's global endpoint. */
#define SSO_STS_DEFAULT_REGION "us-east-1"

/* Largest buffer tried for one passwd entry. */
#define SSO_PASSWD_BUFFER_MAX (1024 * 1024)

/* State of one login attempt, for the decision log line. */
struct attempt {
    pam_handle_t *pamh;
    int flags;
    const struct sso_options *opts;
    char *ca_pem;                /* contents of ca_file, or NULL */
    size_t ca_length;
    char *base_url;              /* the portal's, once chosen */
    uint64_t deadline_ms;        /* of every request of the login */
    struct sso_user_map user_map;  /* with user_match=map */
    const char *reason;          /* static text, NULL on success */
    char detail[SSO_PORTAL_ERROR_MAX];
    const struct sso_role_ref *role;
};

static const char *
get_item_text(pam_handle_t *pamh, int item_type)
{
    const void *item = NULL;

    if (pam_get_item(pamh, item_type, &item) != PAM_SUCCESS)
        return NULL;
    return item;
}

/* Log the decision: one line per login, untrusted text sanitised. */
static void
log_decision(const struct attempt *attempt, int pamret)
{
    char user[SSO_LOG_VALUE_MAX];
    char rhost[SSO_LOG_VALUE_MAX];
    char tty[SSO_LOG_VALUE_MAX];
    char account[SSO_LOG_VALUE_MAX];
    char role[SSO_LOG_VALUE_MAX];
    char detail[SSO_PORTAL_ERROR_MAX];
    pam_handle_t *pamh = attempt->pamh;

    sso_sanitize(user, sizeof(user), get_item_text(pamh, PAM_USER));
    sso_sanitize(rhost, sizeof(rhost), get_item_text(pamh, PAM_RHOST));
    sso_sanitize(tty, sizeof(tty), get_item_text(pamh, PAM_TTY));
    sso_sanitize(account, sizeof(account),
                 attempt->role != NULL ? attempt->role->account_id : NULL);
    sso_sanitize(role, sizeof(role),
                 attempt->role != NULL ? attempt->role->role_name : NULL);

    if (pamret == PAM_SUCCESS) {
        sso_log(pamh, LOG_INFO,
                "authentication succeeded: user=%s rhost=%s tty=%s "
                "account=%s role=%s", user, rhost, tty, account, role);
        return;
    }

    sso_sanitize(detail, sizeof(detail), attempt->detail);
    sso_log(pamh, LOG_NOTICE,
            "authentication failed: user=%s rhost=%s tty=%s account=%s "
            "role=%s result=%s reason=%s%s%s", user, rhost, tty, account,
            role, pam_strerror(pamh, pamret),
            attempt->reason != NULL ? attempt->reason : "unknown",
            attempt->detail[0] != '\0' ? ": " : "", detail);
}

/* Map a portal outcome to a PAM code, the reason and the user's message. */
static int
fail_with(struct attempt *attempt, enum sso_status status,
          const struct sso_portal *portal, const char *what)
{
    int pamret;

    attempt->reason = what;
    if (portal != NULL)
        snprintf(attempt->detail, sizeof(attempt->detail), "%s",
                 sso_portal_error(portal));

    switch (status) {
    case SSO_UNAUTHORIZED:
    case SSO_BAD_REQUEST:
        sso_tell_user(attempt->pamh, attempt->flags, SSO_MESSAGE_REJECTED);
        pamret = PAM_AUTH_ERR;
        break;
    case SSO_NOT_VISIBLE:
        sso_tell_user(attempt->pamh, attempt->flags,
                      "The SSO access token grants no role allowed here.");
        pamret = PAM_AUTH_ERR;
        break;
    case SSO_NO_MEMORY:
        pamret = PAM_BUF_ERR;
        break;
    default:
        sso_tell_user(attempt->pamh, attempt->flags,
                      "The SSO portal is unavailable; try again later.");
        pamret = PAM_AUTHINFO_UNAVAIL;
        break;
    }
    return pamret;
}

/* The state of the choice while the role search runs. */
struct choice {
    const struct sso_options *opts;
    size_t examined;        /* roles already ranked */
    long best;              /* index of the best of them, or -1 */
};

/* Whether ListAccountRoles is worth calling for ACCOUNT_ID. */
static bool
is_candidate(void *context, const char *account_id)
{
    const struct choice *choice = context;
    const struct sso_options *opts = choice->opts;

    if (opts->role.account_id != NULL
        && strcmp(opts->role.account_id, account_id) != 0)
        return false;
    return sso_rules_match_account(&opts->allow, account_id);
}

/*
 * Whether the roles found so far settle the choice, whatever the PENDING
 * accounts hold, so that the credentials can be fetched now.  Only the
 * roles added since the last call are ranked, which keeps a search over
 * thousands of accounts linear.
 */
static bool
is_settled(void *context, const struct sso_role_list *roles,
           char *const *pending, size_t count)
{
    struct choice *choice = context;
    const struct sso_options *opts = choice->opts;
    const struct sso_role_ref *requested =
        opts->role.account_id != NULL ? &opts->role : NULL;
    long better;

    better = sso_select_role(&opts->allow, roles->roles + choice->examined,
                             roles->count - choice->examined, requested);
    if (better >= 0) {
        better += (long) choice->examined;
        if (choice->best < 0
            || sso_role_ranks_before(&opts->allow, &roles->roles[better],
                                     &roles->roles[choice->best]))
            choice->best = better;
    }
    choice->examined = roles->count;

    if (choice->best < 0)
        return false;
    return requested != NULL
           || sso_choice_is_final(&opts->allow, &roles->roles[choice->best],
                                  pending, count);
}

/*
 * Collect into VISIBLE the roles visible to the token in every account that
 * an allow rule (and role=, if set) could match, stopping early once the
 * choice is certain.  When role= is set, or every rule names one exact
 * account, ListAccountRoles on those accounts proves the token and the
 * roles at once, so ListAccounts is skipped and the login's time does not
 * grow with the number of accounts.
 */
static enum sso_status
list_visible_roles(struct sso_portal *portal, const struct sso_options *opts,
                   const char *token, struct sso_role_list *visible)
{
    struct choice choice = { opts, 0, -1 };
    char *exact[SSO_RULES_MAX];
    size_t count;

    if (opts->role.account_id != NULL) {
        exact[0] = opts->role.account_id;
        count = 1;
    } else {
        count = sso_rules_exact_accounts(&opts->allow, exact);
    }

    return sso_find_roles(portal, token, count > 0 ? exact : NULL, count,
                          is_candidate, is_settled, &choice, visible);
}

/*
 * Read the CA bundle named by ca_file into the attempt, under the same trust
 * checks as the configuration file.  This is part of the configuration, so
 * it happens before the prompt.  Returns 0, or -1 with the reason set.
 */
static int
load_ca_bundle(struct attempt *attempt)
{
    const char *path = attempt->opts->ca_file;

    if (path == NULL)
        return 0;
    if (sso_trusted_file_read(path, SSO_CA_FILE_MAX, &attempt->ca_pem,
                              &attempt->ca_length, attempt->detail,
                              sizeof(attempt->detail)) != 0) {
        attempt->reason = "ca_file cannot be used";
        return -1;
    }
    return 0;
}

/* Create the portal client for the attempt into *PORTAL.  Returns a PAM
 * code and sets the attempt's reason on failure. */
static int
open_portal(struct attempt *attempt, struct sso_portal **portal)
{
    const struct sso_options *opts = attempt->opts;

    *portal = NULL;
    attempt->base_url = sso_portal_base_url(opts->endpoint, opts->region,
                                            opts->use_fips_endpoint,
                                            opts->use_dualstack_endpoint);
    if (attempt->base_url == NULL) {
        attempt->reason = "out of memory";
        return PAM_BUF_ERR;
    }

    /* NOTE: the timeout clock starts here, once the token is in hand, so
     * the time a person takes to paste it is not charged to the network. */
    attempt->deadline_ms = sso_http_now_ms() + opts->timeout * 1000ULL;
    *portal = sso_portal_new(attempt->base_url, attempt->ca_pem,
                             attempt->ca_length, opts->proxy,
                             attempt->deadline_ms, opts->max_parallel);
    if (*portal == NULL) {
        attempt->reason = "the HTTP client could not be set up";
        return PAM_SYSTEM_ERR;
    }
    sso_debug(attempt->pamh, opts->debug, "portal %s, timeout %u s",
              attempt->base_url, opts->timeout);
    return PAM_SUCCESS;
}

/* Refuse with PAM_AUTH_ERR, REASON in the log and MESSAGE for the user. */
static int
refuse_owner(struct attempt *attempt, const char *reason, const char *message)
{
    attempt->reason = reason;
    sso_tell_user(attempt->pamh, attempt->flags, message);
    return PAM_AUTH_ERR;
}

/* Map a failed GetCallerIdentity to a PAM code.  A rejection by STS is the
 * credentials' fault, so it refuses the login.  Any other failure may pass,
 * so it is PAM_AUTHINFO_UNAVAIL. */
static int
fail_caller_identity(struct attempt *attempt, enum sso_status status)
{
    switch (status) {
    case SSO_UNAUTHORIZED:
        return refuse_owner(attempt, "STS rejected the role credentials",
                            SSO_MESSAGE_OWNER_UNKNOWN);
    case SSO_NO_MEMORY:
        attempt->reason = "out of memory";
        return PAM_BUF_ERR;
    default:
        attempt->reason = "the token's owner cannot be learned from STS";
        sso_tell_user(attempt->pamh, attempt->flags,
                      "AWS STS is unavailable; try again later.");
        return PAM_AUTHINFO_UNAVAIL;
    }
}

/* Ask STS who owns CREDS, the chosen role's credentials, into IDENTITY:
 * at sts_endpoint, else the regional endpoint of aws_region or region,
 * signed for aws_region, region or us-east-1. */
static int
ask_caller_identity(struct attempt *attempt,
                    const struct sso_credentials *creds,
                    struct sso_caller_identity *identity)
{
    const struct sso_options *opts = attempt->opts;
    const char *region = opts->aws_region != NULL ? opts->aws_region
                                                  : opts->region;
    struct sso_sts_target target;
    enum sso_status status;
    char *url;

    if (opts->sts_endpoint != NULL)
        url = strdup(opts->sts_endpoint);
    else
        url = sso_sts_url(region, opts->use_fips_endpoint,
                          opts->use_dualstack_endpoint);
    if (url == NULL) {
        attempt->reason = "out of memory";
        return PAM_BUF_ERR;
    }

    target = (struct sso_sts_target) {
        url, region != NULL ? region : SSO_STS_DEFAULT_REGION,
        attempt->ca_pem, attempt->ca_length, opts->proxy,
        attempt->deadline_ms,
    };
    sso_debug(attempt->pamh, opts->debug, "STS %s, signing region %s",
              target.url, target.region);
    status = sso_sts_get_caller_identity(&target, creds, identity,
                                         attempt->detail,
                                         sizeof(attempt->detail));
    free(url);
    return status == SSO_OK ? PAM_SUCCESS
                            : fail_caller_identity(attempt, status);
}

/*
 * Learn from STS who owns CREDS and check that person against the PAM user
 * under user_match.  The log line names both; the ARN and the names are
 * not secret.
 */
static int
confirm_owner(struct attempt *attempt, const struct sso_credentials *creds)
{
    const struct sso_options *opts = attempt->opts;
    const char *user = get_item_text(attempt->pamh, PAM_USER);
    struct sso_caller_identity identity;
    char name[SSO_SESSION_NAME_MAX + 1];
    char shown[SSO_LOG_VALUE_MAX];
    const char *reason = NULL;
    int pamret;

    if (user == NULL)
        return refuse_owner(attempt, "no user name", SSO_MESSAGE_NOT_OWNER);

    pamret = ask_caller_identity(attempt, creds, &identity);
    if (pamret != PAM_SUCCESS)
        return pamret;
    sso_sanitize(shown, sizeof(shown), identity.arn);
    sso_debug(attempt->pamh, opts->debug, "caller %s", shown);

    if (strcmp(identity.account, attempt->role->account_id) != 0
        || sso_caller_session_name(identity.arn, attempt->role->account_id,
                                   attempt->role->role_name, name,
                                   &reason) != 0) {
        snprintf(attempt->detail, sizeof(attempt->detail), "%s: %s",
                 reason != NULL ? reason : "another account", shown);
        return refuse_owner(attempt, "the caller is not an Identity Center "
                                     "user of the chosen role",
                            SSO_MESSAGE_OWNER_UNKNOWN);
    }

    sso_sanitize(shown, sizeof(shown), user);
    snprintf(attempt->detail, sizeof(attempt->detail),
             "SSO user %s, PAM user %s", name, shown);
    switch (sso_user_binding_check(&opts->user_match, opts->user_domain,
                                   &attempt->user_map, name, user)) {
    case SSO_BINDING_OK:
        attempt->detail[0] = '\0';
        return PAM_SUCCESS;
    case SSO_BINDING_TRUNCATED:
        return refuse_owner(attempt, "the SSO user name has 64 characters "
                                     "and may be cut short",
                            SSO_MESSAGE_OWNER_UNKNOWN);
    default:
        return refuse_owner(attempt, "user_match does not let the token's "
                                     "owner in as this user",
                            SSO_MESSAGE_NOT_OWNER);
    }
}

/*
 * With logout_on_close, keep what closing the session needs to revoke
 * TOKEN, and pass the state file's name to the session steps in the PAM
 * environment.  The file is swept once the credentials expire
 * (EXPIRATION_MS) unless a live session claimed it.
 */
static int
keep_for_logout(struct attempt *attempt, const char *token,
                int64_t expiration_ms)
{
    char name[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];
    char variable[sizeof(SSO_STATE_VARIABLE) + SSO_STATE_NAME_MAX];
    const struct sso_options *opts = attempt->opts;

    if (sso_state_save(opts->state_dir, get_item_text(attempt->pamh, PAM_USER),
                       attempt->base_url, opts->ca_file, token,
                       (time_t) (expiration_ms / 1000), name, error) != 0) {
        attempt->reason = "the logout state cannot be kept";
        snprintf(attempt->detail, sizeof(attempt->detail), "%s", error);
        return PAM_SYSTEM_ERR;
    }

    snprintf(variable, sizeof(variable), "%s=%s", SSO_STATE_VARIABLE, name);
    if (pam_putenv(attempt->pamh, variable) != PAM_SUCCESS) {
        attempt->reason = "the logout state cannot be passed on";
        return PAM_BUF_ERR;
    }
    return PAM_SUCCESS;
}

/* Everything after the token is in hand: find, fetch, check, export. */
static int
grant_role(struct attempt *attempt, const char *token)
{
    const struct sso_options *opts = attempt->opts;
    struct sso_role_list visible = { NULL, 0 };
    struct sso_credentials creds = { NULL, NULL, NULL, 0 };
    struct sso_portal *portal = NULL;
    enum sso_status status;
    long chosen;
    int pamret;

    pamret = open_portal(attempt, &portal);
    if (pamret != PAM_SUCCESS)
        goto done;
    status = list_visible_roles(portal, opts, token, &visible);
    if (status != SSO_OK) {
        pamret = fail_with(attempt, status, portal, "role listing failed");
        goto done;
    }
    sso_debug(attempt->pamh, opts->debug, "%zu candidate roles visible",
              visible.count);

    chosen = sso_select_role(&opts->allow, visible.roles, visible.count,
                             opts->role.account_id != NULL ? &opts->role
                                                           : NULL);
    if (chosen < 0) {
        attempt->role = opts->role.account_id != NULL ? &opts->role : NULL;
        pamret = fail_with(attempt, SSO_NOT_VISIBLE, NULL,
                           "no visible role matches the allow rules");
        goto done;
    }
    attempt->role = &visible.roles[chosen];

    status = sso_get_role_credentials(portal, token, attempt->role, &creds);
    if (status != SSO_OK) {
        pamret = fail_with(attempt, status, portal,
                           "fetching role credentials failed");
        goto done;
    }
    if (!sso_expiration_plausible(creds.expiration_ms, time(NULL))) {
        pamret = fail_with(attempt, SSO_BAD_RESPONSE, NULL,
                           "credential expiration in the past or too far "
                           "ahead");
        goto done;
    }

    if (opts->user_match.mode != SSO_USER_MATCH_NONE) {
        pamret = confirm_owner(attempt, &creds);
        if (pamret != PAM_SUCCESS)
            goto done;
    }

    pamret = sso_export_credentials(attempt->pamh, &creds, attempt->role,
                                    opts->aws_region);
    if (pamret != PAM_SUCCESS) {
        attempt->reason = "exporting credentials failed";
        goto done;
    }

    if (opts->logout_on_close) {
        pamret = keep_for_logout(attempt, token, creds.expiration_ms);
        if (pamret != PAM_SUCCESS)
            sso_unexport_credentials(attempt->pamh);
    }

done:
    /* Logged before VISIBLE is freed, because ROLE points into it. */
    log_decision(attempt, pamret);
    attempt->role = NULL;
    sso_credentials_clear(&creds);
    sso_role_list_clear(&visible);
    sso_portal_free(portal);
    return pamret;
}

/* With user_match=map, read and parse the map file into the attempt,
 * under the configuration file's trust checks.  Like ca_file, this is
 * configuration, so it happens before the prompt.  Returns 0, or -1 with
 * the reason set. */
static int
load_user_map(struct attempt *attempt)
{
    const char *path = attempt->opts->user_match.map_path;
    char *text = NULL;
    size_t length = 0;
    int status = -1;

    if (attempt->opts->user_match.mode != SSO_USER_MATCH_MAP)
        return 0;
    attempt->reason = "the user_match map cannot be used";
    if (sso_trusted_file_read(path, SSO_USER_MAP_FILE_MAX, &text, &length,
                              attempt->detail, sizeof(attempt->detail)) != 0)
        goto done;
    if (sso_user_map_parse(text, length, path, &attempt->user_map,
                           attempt->detail, sizeof(attempt->detail)) != 0)
        goto done;
    attempt->reason = NULL;
    status = 0;

done:
    free(text);
    return status;
}

/* Set *IS_ROOT to whether USER has uid 0, under any name.  A user the
 * system does not know is not root.  Returns 0, or -1 when the user
 * database cannot be read. */
static int
user_is_root(const char *user, bool *is_root)
{
    struct passwd entry;
    struct passwd *found = NULL;
    size_t size = 16384;
    char *buffer = NULL;
    int error = ERANGE;

    *is_root = false;
    while (error == ERANGE && size <= SSO_PASSWD_BUFFER_MAX) {
        char *larger = realloc(buffer, size);

        if (larger == NULL) {
            error = ENOMEM;
            break;
        }
        buffer = larger;
        error = getpwnam_r(user, &entry, buffer, size, &found);
        size *= 2;
    }

    if (error == 0 && found != NULL)
        *is_root = found->pw_uid == 0;
    free(buffer);
    return error == 0 ? 0 : -1;
}

/* Refuse uid 0 unless allow_root is set, before the token is asked for:
 * no binding makes a token a root password. */
static int
check_root(struct attempt *attempt, const char *user)
{
    bool is_root = false;

    if (attempt->opts->allow_root)
        return PAM_SUCCESS;
    if (user_is_root(user, &is_root) != 0) {
        attempt->reason = "the user database cannot be read";
        return PAM_SYSTEM_ERR;
    }
    if (is_root) {
        attempt->reason = "uid 0 is refused without allow_root";
        return PAM_AUTH_ERR;
    }
    return PAM_SUCCESS;
}

/* Copy into NAME the logout state name an earlier attempt on this handle
 * left in the PAM environment, and delete the variable. */
static void
take_earlier_state_name(pam_handle_t *pamh, char *name)
{
    const char *value = pam_getenv(pamh, SSO_STATE_VARIABLE);

    if (value == NULL)
        return;
    if (sso_state_name_valid(value))
        snprintf(name, SSO_STATE_NAME_MAX, "%s", value);
    pam_putenv(pamh, SSO_STATE_VARIABLE);
}

/* Remove the state file NAME (if any) so its token is never revoked or
 * read again: the attempt that wrote it has been replaced. */
static void
drop_state(pam_handle_t *pamh, const struct sso_options *opts,
           const char *name)
{
    struct sso_state state = { NULL, NULL, NULL, NULL };
    char error[SSO_STATE_ERROR_MAX];
    const char *user = get_item_text(pamh, PAM_USER);

    if (name[0] == '\0' || user == NULL)
        return;
    if (sso_state_take(opts->state_dir, name, user, &state, error) != 0)
        sso_debug(pamh, opts->debug, "earlier logout state not removed: %s",
                  error);
    sso_state_clear(&state);
}

int
sso_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    struct sso_options opts;
    struct attempt attempt;
    char error[SSO_OPTION_ERROR_MAX];
    char earlier_state[SSO_STATE_NAME_MAX] = "";
    const char *user = NULL;
    const char *reason = NULL;
    char *token = NULL;
    int pamret;

    memset(&attempt, 0, sizeof(attempt));
    attempt.pamh = pamh;
    attempt.flags = flags;
    attempt.opts = &opts;

    /* As pam_unix does: libpam waits about this long (a random half to one
     * and a half times it) before it reports a failure of the stack, so
     * guessing costs time and a refused token does not hammer the portal. */
    pam_fail_delay(pamh, SSO_FAIL_DELAY_USEC);

    /* A new attempt on the same handle (login and sshd's password method
     * retry this way) must not inherit an earlier attempt's success. */
    sso_unexport_credentials(pamh);
    pam_set_data(pamh, SSO_DATA_AUTHENTICATED, NULL, NULL);
    take_earlier_state_name(pamh, earlier_state);

    if (sso_options_parse(&opts, argc, argv, error, sizeof(error)) != 0) {
        sso_log(pamh, LOG_ERR, "configuration error: %s", error);
        pamret = PAM_SERVICE_ERR;
        goto done;
    }
    sso_debug(pamh, opts.debug, "%s %s: authenticate", PACKAGE, VERSION);
    sso_sweep_state(pamh, &opts);
    drop_state(pamh, &opts, earlier_state);

    if (load_ca_bundle(&attempt) != 0 || load_user_map(&attempt) != 0) {
        pamret = PAM_SERVICE_ERR;
        log_decision(&attempt, pamret);
        goto done;
    }

    pamret = pam_get_user(pamh, &user, NULL);
    if (pamret != PAM_SUCCESS || user == NULL || user[0] == '\0') {
        attempt.reason = "no user name";
        pamret = pamret == PAM_SUCCESS ? PAM_USER_UNKNOWN : pamret;
        log_decision(&attempt, pamret);
        goto done;
    }

    pamret = check_root(&attempt, user);
    if (pamret != PAM_SUCCESS) {
        log_decision(&attempt, pamret);
        goto done;
    }

    pamret = sso_read_token(pamh, &opts, &token);
    if (pamret != PAM_SUCCESS) {
        if (pamret == PAM_CONV_ERR)
            attempt.reason = "conversation failed";
        else if (pamret == PAM_AUTH_ERR)
            attempt.reason = "no stored token";
        else
            attempt.reason = "out of memory";
        log_decision(&attempt, pamret);
        goto done;
    }

    /* Checked before any request: a control byte would otherwise end up in
     * an HTTP header, and sshd passes junk with CR and LF for unknown users
     * and refused root logins.  The user sees the message of a rejected
     * token, which does not reveal whether the account exists.
     * NOTE: this refusal still comes sooner than the portal's would, so
     * its timing can tell an unknown user from a known one. */
    if (!sso_token_valid(token, &reason)) {
        attempt.reason = reason;
        pamret = PAM_AUTH_ERR;
        sso_tell_user(pamh, flags, SSO_MESSAGE_REJECTED);
        log_decision(&attempt, pamret);
        goto done;
    }

    pamret = grant_role(&attempt, token);
    if (pamret == PAM_SUCCESS)
        pam_set_data(pamh, SSO_DATA_AUTHENTICATED, (void *) "yes", NULL);

done:
    sso_free_secret(token);
    free(attempt.ca_pem);
    free(attempt.base_url);
    sso_user_map_clear(&attempt.user_map);
    sso_options_free(&opts);
    return pamret;
}
