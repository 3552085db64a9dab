/*
 * Parsers for STS's XML responses to GetCallerIdentity.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_STS_XML_H
#define PAM_SSO_STS_XML_H

#include <stddef.h>

#include "portal_json.h"
#include "user_binding.h"

/* Maximum element depth and element count of one response. */
#define SSO_XML_DEPTH_MAX 8
#define SSO_XML_ELEMENTS_MAX 64

/* Room for an STS error code such as SignatureDoesNotMatch. */
#define SSO_STS_CODE_MAX 64

/* The namespace of STS API version 2011-06-15. */
#define SSO_STS_NAMESPACE "https://sts.amazonaws.com/doc/2011-06-15/"

struct sso_caller_identity {
    char arn[SSO_ARN_MAX + 1];
    char account[13];           /* 12 digits */
};

/*
 * Parse a GetCallerIdentityResponse of BODY (LENGTH bytes) into IDENTITY:
 * UTF-8 XML in the STS namespace, no document type declaration, one Arn
 * (printable ASCII, 20 to 2048 bytes) and one Account (12 digits) in
 * GetCallerIdentityResult.  Elements the module does not read are skipped
 * within the depth and count bounds above.
 */
enum sso_parse_result sso_parse_caller_identity(
    const char *body, size_t length, struct sso_caller_identity *identity);

/*
 * Read the Code of an STS ErrorResponse in BODY (LENGTH bytes) into CODE
 * (SSO_STS_CODE_MAX bytes): printable ASCII without spaces.  Any
 * namespace is accepted, since the code is only logged.
 */
enum sso_parse_result sso_parse_sts_error(const char *body, size_t length,
                                          char *code);

#endif
