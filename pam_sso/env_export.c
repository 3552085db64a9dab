/*
 * Export of role credentials into the PAM environment.
 *
 * pam_putenv is the channel that survives sshd's split between the
 * authentication process and the session: sshd copies the PAM environment
 * of the authentication child into the monitor and from there into the
 * session.  libpam copies each NAME=value string, so our copy is wiped at
 * once; libpam's own copy is out of our reach.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>

#include "env_export.h"
#include "secret.h"
#include "text.h"

/* The variables that carry the credentials themselves. */
static const char *const credential_names[] = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
};

/* The variables that describe them. */
static const char *const description_names[] = {
    "AWS_SSO_ACCOUNT_ID",
    SSO_MARKER_VARIABLE,
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
};

int
sso_format_expiration(int64_t expiration_ms, char *buffer, size_t size)
{
    time_t seconds;
    struct tm utc;

    if (expiration_ms < 0)
        return -1;

    seconds = (time_t) (expiration_ms / 1000);
    if (gmtime_r(&seconds, &utc) == NULL)
        return -1;
    if (strftime(buffer, size, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        return -1;
    return 0;
}

bool
sso_expiration_plausible(int64_t expiration_ms, time_t now)
{
    int64_t seconds = expiration_ms / 1000;

    return seconds > (int64_t) now
           && seconds - (int64_t) now <= SSO_EXPIRATION_HORIZON;
}

/* Set NAME=VALUE, wiping the formatted copy on every path.  sshd copies
 * values verbatim into the session and its debug log, so a value must not
 * carry line breaks or other control bytes. */
static int
put_variable(pam_handle_t *pamh, const char *name, const char *value)
{
    char *entry = NULL;
    int pamret;

    if (!sso_is_printable(value, strlen(value), true))
        return PAM_SYSTEM_ERR;
    if (asprintf(&entry, "%s=%s", name, value) < 0)
        return PAM_BUF_ERR;

    pamret = pam_putenv(pamh, entry);
    sso_free_secret(entry);

    if (pamret != PAM_SUCCESS && pamret != PAM_BUF_ERR)
        pamret = PAM_SYSTEM_ERR;
    return pamret;
}

/* Delete the COUNT variables in NAMES that are set. */
static void
delete_variables(pam_handle_t *pamh, const char *const *names, size_t count)
{
    size_t i;

    /* pam_putenv with a bare name deletes; PAM_BAD_ITEM when absent. */
    for (i = 0; i < count; i++)
        if (pam_getenv(pamh, names[i]) != NULL)
            pam_putenv(pamh, names[i]);
}

void
sso_forget_credentials(pam_handle_t *pamh)
{
    delete_variables(pamh, credential_names,
                     sizeof(credential_names) / sizeof(credential_names[0]));
}

void
sso_unexport_credentials(pam_handle_t *pamh)
{
    sso_forget_credentials(pamh);
    delete_variables(pamh, description_names,
                     sizeof(description_names) / sizeof(description_names[0]));
}

int
sso_export_credentials(pam_handle_t *pamh, const struct sso_credentials *creds,
                       const struct sso_role_ref *role,
                       const char *aws_region_value)
{
    char expiration[32];
    int pamret = PAM_SYSTEM_ERR;

    if (sso_format_expiration(creds->expiration_ms, expiration,
                              sizeof(expiration)) != 0)
        goto done;

    pamret = put_variable(pamh, "AWS_ACCESS_KEY_ID", creds->access_key_id);
    if (pamret == PAM_SUCCESS)
        pamret = put_variable(pamh, "AWS_SECRET_ACCESS_KEY",
                              creds->secret_access_key);
    if (pamret == PAM_SUCCESS)
        pamret = put_variable(pamh, "AWS_SESSION_TOKEN", creds->session_token);

    /* botocore reads the legacy name before AWS_SESSION_TOKEN, so a stale
     * value from the client's environment would pair with the new key. */
    if (pamret == PAM_SUCCESS)
        pamret = put_variable(pamh, "AWS_SECURITY_TOKEN",
                              creds->session_token);
    if (pamret == PAM_SUCCESS)
        pamret = put_variable(pamh, "AWS_CREDENTIAL_EXPIRATION", expiration);
    if (pamret == PAM_SUCCESS)
        pamret = put_variable(pamh, "AWS_SSO_ACCOUNT_ID", role->account_id);
    if (pamret == PAM_SUCCESS && aws_region_value != NULL)
        pamret = put_variable(pamh, "AWS_REGION", aws_region_value);
    if (pamret == PAM_SUCCESS && aws_region_value != NULL)
        pamret = put_variable(pamh, "AWS_DEFAULT_REGION", aws_region_value);

    /* The marker goes last: its presence means the set is complete. */
    if (pamret == PAM_SUCCESS)
        pamret = put_variable(pamh, SSO_MARKER_VARIABLE, role->role_name);

done:
    if (pamret != PAM_SUCCESS)
        sso_unexport_credentials(pamh);
    return pamret;
}
