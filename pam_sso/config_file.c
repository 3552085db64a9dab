/*
 * Reading the configuration file and the CA bundle safely.
 *
 * The configuration file names the CA bundle and the endpoint, and the
 * bundle decides which server may speak for the portal.  A user who can
 * write either file therefore decides which server vouches for a login, so
 * both are held to the same standard as other files in /etc/security: root-owned, not writable
 * by group or others, no symbolic link in the last path component, and of
 * bounded size.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_file.h"
#include "text.h"

/* Read the whole of FD, at most MAX bytes, as a string of *LENGTH bytes. */
static char *
read_bounded(int fd, const char *path, size_t max, size_t *length_out,
             char *error, size_t error_size)
{
    char *text = malloc(max + 1);
    size_t length = 0;

    if (text == NULL) {
        snprintf(error, error_size, "%s: out of memory", path);
        return NULL;
    }

    while (length <= max) {
        ssize_t got = read(fd, text + length, max + 1 - length);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(error, error_size, "%s: read failed: %s", path,
                     strerror(errno));
            free(text);
            return NULL;
        }
        if (got == 0)
            break;
        length += (size_t) got;
    }

    if (length > max) {
        snprintf(error, error_size, "%s: larger than %zu bytes", path, max);
        free(text);
        return NULL;
    }
    if (memchr(text, '\0', length) != NULL) {
        snprintf(error, error_size, "%s: contains a NUL byte", path);
        free(text);
        return NULL;
    }
    text[length] = '\0';
    *length_out = length;
    return text;
}

/* Open PATH for reading and check that only root can have written it. */
static int
open_trusted(const char *path, bool must_exist, int *fd_out, char *error,
             size_t error_size)
{
    struct stat st;
    int fd;

    *fd_out = -1;
    if (path[0] != '/') {
        snprintf(error, error_size, "%s: not an absolute path", path);
        return -1;
    }

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT && !must_exist)
        return 0;
    if (fd < 0) {
        snprintf(error, error_size, "%s: cannot open: %s", path,
                 strerror(errno));
        return -1;
    }

    if (fstat(fd, &st) != 0) {
        snprintf(error, error_size, "%s: cannot stat: %s", path,
                 strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(error, error_size, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_uid != 0) {
        snprintf(error, error_size, "%s: not owned by root", path);
        close(fd);
        return -1;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(error, error_size,
                 "%s: writable by group or others (mode %04o)", path,
                 (unsigned int) (st.st_mode & 07777));
        close(fd);
        return -1;
    }

    *fd_out = fd;
    return 0;
}

/* Open and read PATH after the trust checks.  *TEXT is NULL, with success,
 * when the file is missing and MUST_EXIST is false. */
static int
load_trusted(const char *path, bool must_exist, size_t max, char **text,
             size_t *length, char *error, size_t error_size)
{
    int fd = -1;

    *text = NULL;
    *length = 0;
    if (open_trusted(path, must_exist, &fd, error, error_size) != 0)
        return -1;
    if (fd < 0)
        return 0;

    *text = read_bounded(fd, path, max, length, error, error_size);
    close(fd);
    return *text == NULL ? -1 : 0;
}

int
sso_trusted_file_read(const char *path, size_t max, char **text,
                      size_t *length, char *error, size_t error_size)
{
    return load_trusted(path, true, max, text, length, error, error_size);
}

static char *
trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

/* A setting callback and its context, for apply_line(). */
struct line_target {
    sso_setting_fn apply;
    void *context;
};

/* Split one LINE in place and hand it to the target's callback. */
static int
apply_line(void *context, char *line, char *reason, size_t reason_size)
{
    const struct line_target *target = context;
    char *equals;
    char *key;
    char *value = NULL;

    line = trim(line);
    if (line[0] == '\0' || line[0] == '#')
        return 0;

    equals = strchr(line, '=');
    if (equals != NULL) {
        *equals = '\0';
        value = trim(equals + 1);
    }
    key = trim(line);

    return target->apply(target->context, key, value, reason, reason_size);
}

int
sso_config_text_parse(const char *text, size_t length, const char *name,
                      sso_setting_fn apply, void *context, char *error,
                      size_t error_size)
{
    struct line_target target = { apply, context };

    return sso_text_each_line(text, length, name, apply_line, &target, error,
                              error_size);
}

int
sso_config_file_read(const char *path, bool must_exist, sso_setting_fn apply,
                     void *context, char *error, size_t error_size)
{
    char *text = NULL;
    size_t length;
    int status = -1;

    if (load_trusted(path, must_exist, SSO_CONFIG_FILE_MAX, &text, &length,
                     error, error_size) != 0)
        goto done;
    if (text == NULL) {
        status = 0;
        goto done;
    }

    status = sso_config_text_parse(text, length, path, apply, context, error,
                                   error_size);

done:
    free(text);
    return status;
}
