/*
 * The authentication and session steps behind the PAM entry points.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_AUTH_H
#define PAM_SSO_AUTH_H

#include <security/pam_modules.h>

/* Read and check the token, choose the role, export its credentials. */
int sso_authenticate(pam_handle_t *pamh, int flags, int argc,
                     const char **argv);

/*
 * Shared by setcred, open_session and close_session: PAM_SUCCESS after a
 * pam_sso authentication of this login, PAM_IGNORE otherwise (for example a
 * public-key SSH login that still runs the session stack).  With
 * PAM_DELETE_CRED in FLAGS (setcred only) the credential variables are
 * removed from the PAM environment.
 */
int sso_session_step(pam_handle_t *pamh, const char *step, int flags,
                     int argc, const char **argv);

#endif
