/*
 * Reading the access token through the PAM conversation.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_CONVERSATION_H
#define PAM_SSO_CONVERSATION_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "options.h"

/* Maximum token length, in bytes.  Real tokens are a few hundred bytes;
 * the bound keeps a pasted file or a runaway client out of the header. */
#define SSO_TOKEN_MAX 8192

#define SSO_TOKEN_PROMPT "AWS SSO access token: "

/*
 * Get the access token into *TOKEN as a new string that the caller wipes
 * and frees with sso_free_secret().  Under use_first_pass or try_first_pass
 * it comes from PAM_AUTHTOK.  Otherwise one echo-off prompt requests it,
 * and a PAM_AUTHTOK left by an earlier module is never used.  The token is not
 * stored as PAM_AUTHTOK.  Returns PAM_SUCCESS, PAM_CONV_ERR (no or failing
 * conversation), PAM_AUTH_ERR (use_first_pass without a stored token) or
 * PAM_BUF_ERR.
 */
int sso_read_token(pam_handle_t *pamh, const struct sso_options *opts,
                   char **token);

/*
 * Whether TOKEN has the shape of an access token: 1 to SSO_TOKEN_MAX bytes
 * of printable ASCII without spaces.  On false *REASON describes what is wrong
 * without quoting the token.
 */
bool sso_token_valid(const char *token, const char **reason);

/* Show MESSAGE to the user as PAM_ERROR_MSG, unless PAM_SILENT is in FLAGS. */
void sso_tell_user(pam_handle_t *pamh, int flags, const char *message);

#endif
