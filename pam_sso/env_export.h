/*
 * Export of role credentials into the PAM environment.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_ENV_EXPORT_H
#define PAM_SSO_ENV_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <security/pam_modules.h>

#include "policy.h"
#include "portal_json.h"

/* Variable whose presence in the PAM environment marks a pam_sso login;
 * it crosses sshd's process split, unlike pam_set_data. */
#define SSO_MARKER_VARIABLE "AWS_SSO_ROLE_NAME"

/* Maximum credential lifetime accepted, in seconds.  Identity Center role
 * sessions last at most 12 hours; anything past a week is a unit error. */
#define SSO_EXPIRATION_HORIZON (7 * 24 * 3600)

/*
 * Format EXPIRATION_MS (Unix epoch in milliseconds) as ISO 8601 UTC with
 * whole seconds, "2026-12-04T20:00:00Z", into BUFFER of SIZE bytes (21 or
 * more).  Returns 0, or -1 when the time cannot be represented.
 */
int sso_format_expiration(int64_t expiration_ms, char *buffer, size_t size);

/* Whether EXPIRATION_MS lies after NOW and within the horizon above. */
bool sso_expiration_plausible(int64_t expiration_ms, time_t now);

/*
 * Put the credentials for ROLE into the PAM environment: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (and its legacy twin
 * AWS_SECURITY_TOKEN), AWS_CREDENTIAL_EXPIRATION, AWS_SSO_ACCOUNT_ID,
 * AWS_SSO_ROLE_NAME, and AWS_REGION plus AWS_DEFAULT_REGION when
 * AWS_REGION_VALUE is set.  Either all are set or, on failure, none is left
 * behind.  Returns PAM_SUCCESS, PAM_BUF_ERR or PAM_SYSTEM_ERR.
 */
int sso_export_credentials(pam_handle_t *pamh,
                           const struct sso_credentials *creds,
                           const struct sso_role_ref *role,
                           const char *aws_region_value);

/* Remove every variable sso_export_credentials() may set. */
void sso_unexport_credentials(pam_handle_t *pamh);

/* Remove only the variables that carry credentials, keeping the account,
 * role and region variables (and so the marker). */
void sso_forget_credentials(pam_handle_t *pamh);

#endif
