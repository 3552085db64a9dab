/*
 * The authentication step behind pam_sm_authenticate.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_AUTH_H
#define PAM_SSO_AUTH_H

#include <security/pam_modules.h>

/* pam_set_data key marking a pam_sso login within one process. */
#define SSO_DATA_AUTHENTICATED "pam_sso_authenticated"

/* Read and check the token, choose the role, export its credentials. */
int sso_authenticate(pam_handle_t *pamh, int flags, int argc,
                     const char **argv);

#endif
