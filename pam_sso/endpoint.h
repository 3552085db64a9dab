/*
 * Portal and STS URLs from the region, the partition and the endpoint
 * flags, and the checks of the URLs an operator may give.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_ENDPOINT_H
#define PAM_SSO_ENDPOINT_H

#include <stdbool.h>

/* Whether NAME has the shape of an AWS region: xx-name-1, us-gov-west-1. */
bool sso_region_valid(const char *name);

/*
 * Check that URL is usable as a portal base URL: https://, a host, no user
 * part, query or fragment, printable ASCII.  Returns 0, or -1 with *REASON.
 */
int sso_endpoint_check(const char *url, const char **reason);

/*
 * Check that URL names an HTTP proxy as "http://host[:port][/]": a host
 * name or IPv4 address, no user part (credentials do not belong in the
 * module's arguments) and no path.  Returns 0, or -1 with *REASON.
 */
int sso_proxy_check(const char *url, const char **reason);

/*
 * Build the portal base URL ("https://host", no trailing '/') into a new
 * string.  ENDPOINT, when set, is used as given (options.c has already
 * dropped a trailing '/'); otherwise the host comes from REGION's partition
 * and the two flags.
 * Returns NULL when out of memory.
 */
char *sso_portal_base_url(const char *endpoint, const char *region,
                          bool fips, bool dualstack);

/*
 * Build the regional STS URL ("https://sts.REGION.SUFFIX", or the FIPS or
 * dual-stack host) for REGION's partition into a new string.  Returns NULL
 * when out of memory.
 */
char *sso_sts_url(const char *region, bool fips, bool dualstack);

#endif
