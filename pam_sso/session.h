/*
 * The steps after authentication: pam_sm_setcred, pam_sm_open_session and
 * pam_sm_close_session.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_SESSION_H
#define PAM_SSO_SESSION_H

#include <security/pam_modules.h>

#include "options.h"

/*
 * Each step returns PAM_SUCCESS after a pam_sso authentication of this
 * login and PAM_IGNORE otherwise (for example a public-key SSH login that
 * still runs the session stack).  setcred with PAM_DELETE_CRED removes the
 * credential variables from the PAM environment.  setcred and open_session
 * take the logout state's name out of the PAM environment; close_session
 * revokes the token when the login kept one for logout_on_close.
 */
int sso_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv);
int sso_open_session(pam_handle_t *pamh, int argc, const char **argv);
int sso_close_session(pam_handle_t *pamh, int argc, const char **argv);

/* Remove logout state left by sessions that ended without closing, and
 * log what was removed.  Every entry point calls it. */
void sso_sweep_state(pam_handle_t *pamh, const struct sso_options *opts);

#endif
