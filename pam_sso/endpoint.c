/*
 * Portal and STS URLs from the region, the partition and the endpoint
 * flags.
 *
 * The host names follow the SSO portal's and STS's endpoint rule sets and
 * the partitions data that the AWS SDKs share (as shipped in the AWS SDK
 * for JavaScript v3 client-sso).  Debian 12's botocore 1.29 predates the newer
 * partitions and the GovCloud FIPS exception.  A region that matches no
 * partition falls back to the aws partition, as the SDKs do.  The region is
 * checked for shape first, because the rules themselves would put anything
 * into the host name.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "text.h"

struct partition {
    const char *prefix;          /* region prefix that selects it */
    const char *suffix;          /* DNS suffix of standard and FIPS hosts */
    const char *dualstack;       /* DNS suffix of dual-stack hosts */
    bool fips_keeps_name;        /* FIPS host is the standard one */
};

/* Longer prefixes first: "us-gov-" must win over the aws default. */
static const struct partition partitions[] = {
    { "us-gov-", "amazonaws.com", "api.aws", true },
    { "us-isob-", "sc2s.sgov.gov", "api.aws.scloud", false },
    { "us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov", false },
    { "us-iso-", "c2s.ic.gov", "api.aws.ic.gov", false },
    { "eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", false },
    { "eusc-de-", "amazonaws.eu", "api.amazonwebservices.eu", false },
    { "cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn", false },
};

static const struct partition aws_partition = {
    "", "amazonaws.com", "api.aws", false
};

#define REGION_MAX 32

bool
sso_region_valid(const char *name)
{
    size_t length = strlen(name);
    size_t i;
    size_t dashes = 0;
    size_t first_dash = 0;

    /* Shape: letters, then one or more "-letters" groups, then "-digits". */
    if (length < 6 || length > REGION_MAX)
        return false;

    for (i = 0; i < length; i++) {
        char c = name[i];

        if (c == '-') {
            if (i == 0 || name[i - 1] == '-')
                return false;
            if (dashes++ == 0)
                first_dash = i;
        } else if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) {
            return false;
        }
    }
    if (dashes < 2 || first_dash < 2 || first_dash > 4)
        return false;

    /* The last group is digits only, every earlier group letters only. */
    for (i = length; i > 0 && name[i - 1] != '-'; i--)
        if (!(name[i - 1] >= '0' && name[i - 1] <= '9'))
            return false;
    if (i == length)
        return false;
    for (size_t j = 0; j + 1 < i; j++)
        if (name[j] >= '0' && name[j] <= '9')
            return false;

    return true;
}

/* Whether TEXT is a port number, 1 to 65535, optionally followed by a
 * single '/'. */
static bool
is_port(const char *text)
{
    unsigned long port = 0;
    size_t digits = 0;

    while (text[digits] >= '0' && text[digits] <= '9' && digits < 5) {
        port = port * 10 + (unsigned long) (text[digits] - '0');
        digits++;
    }
    if (digits == 0 || port == 0 || port > 65535)
        return false;
    return strcmp(text + digits, "") == 0 || strcmp(text + digits, "/") == 0;
}

int
sso_endpoint_check(const char *url, const char **reason)
{
    const char *host;

    if (strncmp(url, "https://", 8) != 0) {
        *reason = "must start with https://";
        return -1;
    }

    host = url + strlen("https://");
    if (*host == '\0' || *host == '/' || *host == ':') {
        *reason = "missing host";
        return -1;
    }
    if (!sso_is_printable(url, strlen(url), false)
        || strpbrk(url, "?#@\\") != NULL) {
        *reason = "must be printable ASCII without '?', '#', '@' or '\\'";
        return -1;
    }
    return 0;
}

int
sso_proxy_check(const char *url, const char **reason)
{
    const char *host = url + strlen("http://");
    const char *end;

    if (strncmp(url, "http://", 7) != 0) {
        *reason = "must start with http://";
        return -1;
    }
    end = host + strcspn(host, ":/");
    if (end == host || strspn(host, "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
                           != (size_t) (end - host)) {
        *reason = "expected a host name or IPv4 address of letters, digits, "
                  "'.' and '-'";
        return -1;
    }
    if (*end == ':' && !is_port(end + 1)) {
        *reason = "expected a port from 1 to 65535 after ':'";
        return -1;
    }
    if (*end == '/' && end[1] != '\0') {
        *reason = "a proxy URL has no path";
        return -1;
    }
    return 0;
}

static const struct partition *
find_partition(const char *region)
{
    size_t i;

    for (i = 0; i < sizeof(partitions) / sizeof(partitions[0]); i++)
        if (strncmp(region, partitions[i].prefix,
                    strlen(partitions[i].prefix)) == 0)
            return &partitions[i];
    return &aws_partition;
}

/* The host of SERVICE ("portal.sso", "sts") in REGION's partition, as
 * "https://host" in a new string, or NULL when out of memory. */
static char *
service_url(const char *service, const char *region, bool fips,
            bool dualstack)
{
    const struct partition *partition = find_partition(region);
    const char *suffix = fips && !(partition->fips_keeps_name && !dualstack)
                         ? "-fips" : "";
    char *url = NULL;

    if (asprintf(&url, "https://%s%s.%s.%s", service, suffix, region,
                 dualstack ? partition->dualstack : partition->suffix) < 0)
        return NULL;
    return url;
}

char *
sso_portal_base_url(const char *endpoint, const char *region, bool fips,
                    bool dualstack)
{
    if (endpoint != NULL)
        return strdup(endpoint);
    return service_url("portal.sso", region, fips, dualstack);
}

char *
sso_sts_url(const char *region, bool fips, bool dualstack)
{
    return service_url("sts", region, fips, dualstack);
}
