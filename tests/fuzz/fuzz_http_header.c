/*
 * Fuzz target for the response header callback of http.c, which reads
 * x-amzn-ErrorType and Retry-After from the portal's replies.
 *
 * read_header is static, so this file includes http.c itself.  Linking
 * then takes no http.c object from the module's library, because nothing
 * else in the program refers to it.
 *
 * Input: header lines, each ending with '\n' (or the end of the input).
 * Each line is passed to read_header in a buffer of its exact size, as
 * libcurl passes one header line with its CRLF, so ASan reports any read
 * past its end.  The stored values are compared with a second implementation
 * of the rules in http.c's comments.
 *
 * SPDX-License-Identifier: MIT
 */

#include "fuzz.h"

#include "http.c"

/* Above libcurl's limit on one header line (CURL_MAX_HTTP_HEADER, 100 KiB
 * in libcurl 7.88). */
#define INPUT_MAX (128 * 1024)

static bool
is_trailing_space(char c)
{
    return c == ' ' || c == '\r' || c == '\n';
}

/* The value of header NAME in LINE (LENGTH bytes) without blanks at the
 * start and spaces, CR and LF at the end, or NULL for another header. */
static const char *
header_value(const char *line, size_t length, const char *name,
             size_t *value_length)
{
    size_t name_length = strlen(name);
    const char *value;
    size_t count;

    if (length <= name_length || line[name_length] != ':'
        || strncasecmp(line, name, name_length) != 0)
        return NULL;

    value = line + name_length + 1;
    count = length - name_length - 1;
    while (count > 0 && (value[0] == ' ' || value[0] == '\t')) {
        value++;
        count--;
    }
    while (count > 0 && is_trailing_space(value[count - 1]))
        count--;
    *value_length = count;
    return value;
}

/* Write to TYPE the error type by http.c's rule: the part before the first
 * ':', after the last '#', keeping only bytes from 0x21 to 0x7e. */
static void
expected_error_type(const char *value, size_t length, char *type)
{
    size_t end = 0;
    size_t start = 0;
    size_t out = 0;
    size_t i;

    while (end < length && value[end] != ':')
        end++;
    for (i = 0; i < end; i++)
        if (value[i] == '#')
            start = i + 1;

    for (i = start; i < end && out + 1 < SSO_HTTP_ERROR_TYPE_MAX; i++)
        if ((unsigned char) value[i] > 0x20 && (unsigned char) value[i] < 0x7f)
            type[out++] = value[i];
    type[out] = '\0';
}

/* Set *RETRY_AFTER to the delay in whole seconds, or leave it unchanged
 * when the value is not 1 to 11 digits. */
static void
expected_retry_after(const char *value, size_t length, long *retry_after)
{
    long seconds = 0;
    size_t i;

    if (length == 0 || length > 11)
        return;
    for (i = 0; i < length; i++) {
        if (value[i] < '0' || value[i] > '9')
            return;
        seconds = seconds * 10 + (value[i] - '0');
    }
    *retry_after = seconds;
}

static void
apply_line(const uint8_t *line, size_t length, struct reply_headers *headers,
           char *type, long *retry_after)
{
    char *copy = malloc(length > 0 ? length : 1);
    const char *value;
    size_t value_length;

    FUZZ_CHECK(copy != NULL);
    memcpy(copy, line, length);
    FUZZ_CHECK(read_header(copy, 1, length, headers) == length);

    value = header_value(copy, length, "x-amzn-ErrorType", &value_length);
    if (value != NULL)
        expected_error_type(value, value_length, type);
    value = header_value(copy, length, "Retry-After", &value_length);
    if (value != NULL)
        expected_retry_after(value, value_length, retry_after);
    free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reply_headers headers;
    char type[SSO_HTTP_ERROR_TYPE_MAX] = "";
    long retry_after = -1;
    size_t start = 0;

    if (size > INPUT_MAX)
        return 0;

    memset(&headers, 0, sizeof(headers));
    headers.retry_after = -1;
    while (start < size) {
        const uint8_t *newline = memchr(data + start, '\n', size - start);
        size_t end = newline != NULL ? (size_t) (newline - data) + 1 : size;

        apply_line(data + start, end - start, &headers, type, &retry_after);
        start = end;
    }

    FUZZ_CHECK(memchr(headers.error_type, '\0', sizeof(headers.error_type))
               != NULL);
    FUZZ_CHECK(strcmp(headers.error_type, type) == 0);
    FUZZ_CHECK(headers.retry_after == retry_after);
    FUZZ_CHECK(retry_after >= -1);
    return 0;
}
