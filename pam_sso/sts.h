/*
 * Client of STS GetCallerIdentity: who the role credentials belong to.
 * Free of PAM types.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_STS_H
#define PAM_SSO_STS_H

#include <stddef.h>
#include <stdint.h>

#include "portal.h"
#include "sts_xml.h"

/* The STS endpoint, signing region and connection settings of a call. */
struct sso_sts_target {
    const char *url;            /* https:// URL of the STS endpoint */
    const char *region;         /* signing region */
    const char *ca_pem;         /* as for sso_http_new() */
    size_t ca_length;
    const char *proxy;
    uint64_t deadline_ms;       /* shared with the portal's calls */
};

/*
 * Call GetCallerIdentity at TARGET, signed with CREDS, and fill IDENTITY.
 * Returns SSO_OK; SSO_UNAUTHORIZED when STS rejects the credentials or
 * the signature (HTTP 400 or 403 with an error code other than
 * throttling); SSO_UNAVAILABLE for network failures, timeouts, throttling
 * and server errors; SSO_BAD_RESPONSE for a malformed or unexpected
 * response; SSO_NO_MEMORY.  On failure ERROR (ERROR_SIZE bytes) describes
 * the cause, with STS's error code when there is one, and never a secret.
 */
enum sso_status sso_sts_get_caller_identity(
    const struct sso_sts_target *target, const struct sso_credentials *creds,
    struct sso_caller_identity *identity, char *error, size_t error_size);

#endif
