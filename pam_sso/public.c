/*
 * The PAM entry points of pam_sso.
 *
 * Each one hands over to a single function; the work lives in files named
 * for what they do.  pam_sso provides the auth and session types.  The
 * account and password entry points exist only so that a stack listing
 * pam_sso under those types gets a clear PAM_SERVICE_ERR instead of a
 * failure to resolve the symbol.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "auth.h"
#include "session.h"

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return sso_authenticate(pamh, flags, argc, argv);
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return sso_setcred(pamh, flags, argc, argv);
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
                    const char **argv)
{
    (void) flags;
    return sso_open_session(pamh, argc, argv);
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
                     const char **argv)
{
    (void) flags;
    return sso_close_session(pamh, argc, argv);
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void) flags;
    (void) argc;
    (void) argv;
    pam_syslog(pamh, LOG_ERR,
               "pam_sso provides no account management; remove it from "
               "the account stack");
    return PAM_SERVICE_ERR;
}

PAM_EXTERN int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void) flags;
    (void) argc;
    (void) argv;
    pam_syslog(pamh, LOG_ERR,
               "pam_sso provides no password changes; remove it from "
               "the password stack");
    return PAM_SERVICE_ERR;
}
