/*
 * An independent check of strict JSON, used as the oracle of the portal
 * response targets: whatever the module's parsers accept must pass it.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_FUZZ_JSON_CHECK_H
#define PAM_SSO_FUZZ_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the LENGTH bytes at TEXT are one JSON text as RFC 8259 defines
 * it, in well-formed UTF-8 (RFC 3629), with an object at the top and at
 * most JSON_CHECK_DEPTH_MAX nested objects and arrays.
 */
bool json_check_object_text(const char *text, size_t length);

#define JSON_CHECK_DEPTH_MAX 64

#endif
