/*
 * Reading the access token through the PAM conversation.
 *
 * The module does not use pam_get_authtok(): in Linux-PAM 1.5.2 it returns a
 * PAM_AUTHTOK stored by an earlier module without prompting, which would
 * send a person's Unix password to the portal when pam_sso follows
 * pam_unix.  The prompt is echo-off because sshd's password method answers
 * only echo-off prompts, and everything the user must know is in the prompt
 * text because OpenSSH delays informational messages until the next
 * prompt.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>

#include "conversation.h"
#include "secret.h"
#include "text.h"

/* Wipe and free the COUNT replies in RESPONSES. */
static void
drop_responses(struct pam_response *responses, int count)
{
    int i;

    if (responses == NULL)
        return;
    for (i = 0; i < count; i++)
        sso_free_secret(responses[i].resp);
    free(responses);
}

static int
prompt_for_token(pam_handle_t *pamh, char **token)
{
    const struct pam_conv *conv = NULL;
    struct pam_message message = { PAM_PROMPT_ECHO_OFF, SSO_TOKEN_PROMPT };
    const struct pam_message *messages[1] = { &message };
    struct pam_response *responses = NULL;
    int pamret;

    pamret = pam_get_item(pamh, PAM_CONV, (const void **) &conv);
    if (pamret != PAM_SUCCESS || conv == NULL || conv->conv == NULL)
        return PAM_CONV_ERR;

    pamret = conv->conv(1, messages, &responses, conv->appdata_ptr);
    if (pamret != PAM_SUCCESS || responses == NULL
        || responses[0].resp == NULL) {
        drop_responses(responses, 1);
        return PAM_CONV_ERR;
    }

    *token = responses[0].resp;
    responses[0].resp = NULL;
    free(responses);
    return PAM_SUCCESS;
}

static int
copy_stored_token(pam_handle_t *pamh, char **token)
{
    const void *item = NULL;

    if (pam_get_item(pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS || item == NULL)
        return PAM_AUTH_ERR;

    *token = strdup(item);
    return *token == NULL ? PAM_BUF_ERR : PAM_SUCCESS;
}

int
sso_read_token(pam_handle_t *pamh, const struct sso_options *opts,
               char **token)
{
    int pamret;

    *token = NULL;
    if (opts->use_first_pass || opts->try_first_pass) {
        pamret = copy_stored_token(pamh, token);
        if (pamret != PAM_AUTH_ERR || opts->use_first_pass)
            return pamret;
    }
    return prompt_for_token(pamh, token);
}

bool
sso_token_valid(const char *token, const char **reason)
{
    size_t length;

    /* Stop counting past the bound: a huge reply costs no more time. */
    length = strnlen(token, SSO_TOKEN_MAX + 1);
    if (length == 0) {
        *reason = "empty token";
        return false;
    }
    if (length > SSO_TOKEN_MAX) {
        *reason = "token longer than 8192 bytes";
        return false;
    }
    if (!sso_is_printable(token, length, false)) {
        /* sshd's stand-in reply for unknown users and refused root
         * logins ends here too, so the log line names that cause. */
        *reason = "token contains a space or a byte outside printable ASCII "
                  "(also what sshd sends for unknown users and refused "
                  "root logins)";
        return false;
    }
    return true;
}

void
sso_tell_user(pam_handle_t *pamh, int flags, const char *message)
{
    if ((flags & PAM_SILENT) != 0)
        return;
    pam_error(pamh, "%s", message);
}
