/*
 * The steps after authentication: setcred, open_session, close_session.
 *
 * Under sshd these run in the privileged monitor, while the token was read
 * in a child process that has exited since.  Nothing from that process is
 * assumed to exist here except what crossed in the PAM environment: the
 * exported variables, and with logout_on_close the name of the state file
 * that contains the token (see session_state.c).  The first step to run in
 * this process moves that name from the PAM environment into pam_set_data,
 * so that it never reaches the user's session.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "auth.h"
#include "config_file.h"
#include "env_export.h"
#include "http.h"
#include "logging.h"
#include "portal.h"
#include "session.h"
#include "session_state.h"

/* pam_set_data key of the claimed state file's name. */
#define SSO_DATA_STATE "pam_sso_state"

/* One session step: its name for the log and its options. */
struct step {
    pam_handle_t *pamh;
    const char *name;
    struct sso_options opts;
};

static bool
is_sso_login(pam_handle_t *pamh)
{
    const void *data = NULL;

    if (pam_get_data(pamh, SSO_DATA_AUTHENTICATED, &data) == PAM_SUCCESS
        && data != NULL)
        return true;
    return pam_getenv(pamh, SSO_MARKER_VARIABLE) != NULL;
}

static const char *
get_user(pam_handle_t *pamh)
{
    const void *user = NULL;

    if (pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS)
        return NULL;
    return user;
}

static void
free_data(pam_handle_t *pamh, void *data, int status)
{
    (void) pamh;
    (void) status;
    free(data);
}

void
sso_sweep_state(pam_handle_t *pamh, const struct sso_options *opts)
{
    char error[SSO_STATE_ERROR_MAX];
    int removed;

    removed = sso_state_sweep(opts->state_dir, time(NULL), error);
    if (removed < 0)
        sso_log(pamh, LOG_WARNING, "stale logout state not swept: %s", error);
    else if (removed > 0)
        sso_log(pamh, LOG_NOTICE, "removed %d logout state file(s) of "
                "sessions that ended without closing", removed);
}

/* Parse the options and sweep.  Returns 0, or -1 after logging a
 * configuration error. */
static int
begin_step(struct step *step, pam_handle_t *pamh, const char *name, int argc,
           const char **argv)
{
    char error[SSO_OPTION_ERROR_MAX];

    step->pamh = pamh;
    step->name = name;
    if (sso_options_parse(&step->opts, argc, argv, error, sizeof(error))
        != 0) {
        sso_log(pamh, LOG_ERR, "configuration error: %s", error);
        return -1;
    }
    sso_debug(pamh, step->opts.debug, "%s %s: %s", PACKAGE, VERSION, name);

    sso_sweep_state(pamh, &step->opts);
    return 0;
}

/* Copy the state file name out of the PAM environment into NAME and
 * delete the variable.  Returns whether a well-formed name was there. */
static bool
take_name_from_env(pam_handle_t *pamh, char *name)
{
    const char *value = pam_getenv(pamh, SSO_STATE_VARIABLE);
    bool valid;

    if (value == NULL)
        return false;

    valid = strlen(value) < SSO_STATE_NAME_MAX && sso_state_name_valid(value);
    if (valid)
        snprintf(name, SSO_STATE_NAME_MAX, "%s", value);
    pam_putenv(pamh, SSO_STATE_VARIABLE);

    if (!valid)
        sso_log(pamh, LOG_WARNING, "ignored a malformed %s variable",
                SSO_STATE_VARIABLE);
    return valid;
}

/*
 * Move the state file name from the PAM environment into this process's
 * handle, renaming the file so that the sweep knows a live process holds
 * it.  Only the first name counts: one arriving later did not come from
 * this login's authentication.
 */
static void
claim_state(struct step *step)
{
    char name[SSO_STATE_NAME_MAX];
    char claimed[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];
    const void *claimed_name = NULL;
    const char *user = get_user(step->pamh);
    char *copy;

    if (!take_name_from_env(step->pamh, name))
        return;
    if (pam_get_data(step->pamh, SSO_DATA_STATE, &claimed_name)
            == PAM_SUCCESS
        && claimed_name != NULL) {
        sso_log(step->pamh, LOG_WARNING, "ignored a second %s variable",
                SSO_STATE_VARIABLE);
        return;
    }

    if (user == NULL
        || sso_state_claim(step->opts.state_dir, name, user, claimed, error)
           != 0) {
        sso_log(step->pamh, LOG_WARNING, "%s: logout state not claimed, "
                "the token will not be revoked: %s", step->name,
                user == NULL ? "no user name" : error);
        return;
    }

    copy = strdup(claimed);
    if (copy == NULL
        || pam_set_data(step->pamh, SSO_DATA_STATE, copy, free_data)
           != PAM_SUCCESS) {
        free(copy);
        sso_log(step->pamh, LOG_ERR, "%s: out of memory", step->name);
        return;
    }
    sso_debug(step->pamh, step->opts.debug, "%s: logout state claimed",
              step->name);
}

/* Send Logout for STATE.  The portal's refusal of the token counts as
 * done, because a token it no longer accepts needs no revoking. */
static int
revoke_token(struct step *step, const struct sso_state *state)
{
    char detail[SSO_PORTAL_ERROR_MAX];
    char user[SSO_LOG_VALUE_MAX];
    struct sso_portal *portal = NULL;
    char *ca_pem = NULL;
    size_t ca_length = 0;
    enum sso_status status;
    int pamret = PAM_SESSION_ERR;

    sso_sanitize(user, sizeof(user), state->user);
    if (state->ca_file != NULL
        && sso_trusted_file_read(state->ca_file, SSO_CA_FILE_MAX, &ca_pem,
                                 &ca_length, detail, sizeof(detail)) != 0) {
        sso_log(step->pamh, LOG_ERR, "logout failed: user=%s reason=ca_file "
                "cannot be used: %s", user, detail);
        goto done;
    }

    portal = sso_portal_new(state->portal_url, ca_pem, ca_length,
                            step->opts.proxy,
                            sso_http_now_ms()
                            + step->opts.timeout * 1000ULL, 1);
    if (portal == NULL) {
        sso_log(step->pamh, LOG_ERR, "logout failed: user=%s reason=the "
                "HTTP client could not be set up", user);
        goto done;
    }

    status = sso_logout(portal, state->token);
    sso_sanitize(detail, sizeof(detail), sso_portal_error(portal));
    if (status == SSO_OK) {
        sso_log(step->pamh, LOG_INFO, "logout: token revoked: user=%s", user);
        pamret = PAM_SUCCESS;
    } else if (status == SSO_UNAUTHORIZED) {
        sso_log(step->pamh, LOG_NOTICE, "logout: the portal no longer "
                "accepts the token: user=%s", user);
        pamret = PAM_SUCCESS;
    } else {
        sso_log(step->pamh, LOG_ERR, "logout failed: user=%s reason=%s",
                user, detail);
    }

done:
    free(ca_pem);
    sso_portal_free(portal);
    return pamret;
}

/* Find this session's state file, take it and revoke its token.  Returns
 * PAM_IGNORE when the login kept no state. */
static int
close_state(struct step *step)
{
    char name[SSO_STATE_NAME_MAX];
    char error[SSO_STATE_ERROR_MAX];
    struct sso_state state = { NULL, NULL, NULL, NULL };
    const void *claimed_name = NULL;
    const char *user = get_user(step->pamh);
    int pamret = PAM_SESSION_ERR;

    if (pam_get_data(step->pamh, SSO_DATA_STATE, &claimed_name)
            == PAM_SUCCESS
        && claimed_name != NULL) {
        snprintf(name, sizeof(name), "%s", (const char *) claimed_name);
        pam_set_data(step->pamh, SSO_DATA_STATE, NULL, NULL);
    } else if (!take_name_from_env(step->pamh, name)) {
        return PAM_IGNORE;
    }

    if (user == NULL
        || sso_state_take(step->opts.state_dir, name, user, &state, error)
           != 0) {
        sso_log(step->pamh, LOG_ERR, "logout failed: the logout state "
                "cannot be used: %s", user == NULL ? "no user name" : error);
        goto done;
    }
    pamret = revoke_token(step, &state);

done:
    sso_state_clear(&state);
    return pamret;
}

/* The result of a step that found a pam_sso login or not. */
static int
step_result(const struct step *step)
{
    if (is_sso_login(step->pamh)) {
        sso_debug(step->pamh, step->opts.debug, "%s: pam_sso login",
                  step->name);
        return PAM_SUCCESS;
    }
    sso_debug(step->pamh, step->opts.debug, "%s: not a pam_sso login, "
              "ignored", step->name);
    return PAM_IGNORE;
}

int
sso_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    struct step step;
    int pamret;

    if (begin_step(&step, pamh, "setcred", argc, argv) != 0) {
        pamret = is_sso_login(pamh) ? PAM_CRED_ERR : PAM_IGNORE;
        goto done;
    }

    /* Past PAM_DELETE_CRED the credentials have no use in the PAM
     * environment; the variables naming the role stay as the marker.  The
     * token is revoked by close_session alone, never here. */
    if ((flags & PAM_DELETE_CRED) != 0 && is_sso_login(pamh)) {
        sso_forget_credentials(pamh);
        sso_debug(pamh, step.opts.debug, "setcred: credentials removed");
        pamret = PAM_SUCCESS;
        goto done;
    }

    if ((flags & PAM_DELETE_CRED) == 0)
        claim_state(&step);
    pamret = step_result(&step);

done:
    sso_options_free(&step.opts);
    return pamret;
}

int
sso_open_session(pam_handle_t *pamh, int argc, const char **argv)
{
    struct step step;
    int pamret;

    if (begin_step(&step, pamh, "open_session", argc, argv) != 0) {
        pamret = is_sso_login(pamh) ? PAM_SESSION_ERR : PAM_IGNORE;
        goto done;
    }

    claim_state(&step);
    pamret = step_result(&step);

done:
    sso_options_free(&step.opts);
    return pamret;
}

int
sso_close_session(pam_handle_t *pamh, int argc, const char **argv)
{
    struct step step;
    int pamret;

    if (begin_step(&step, pamh, "close_session", argc, argv) != 0) {
        pamret = is_sso_login(pamh) ? PAM_SESSION_ERR : PAM_IGNORE;
        goto done;
    }

    pamret = close_state(&step);
    if (pamret == PAM_IGNORE)
        pamret = step_result(&step);

done:
    sso_options_free(&step.opts);
    return pamret;
}
