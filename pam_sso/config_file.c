/*
 * Reading the configuration file safely.
 *
 * The file can name the CA bundle and the endpoint, so whoever can write it
 * decides which server vouches for a login.  It is therefore held to the
 * same standard as other files in /etc/security: root-owned, not writable
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

/* Read the whole of FD, at most SSO_CONFIG_FILE_MAX bytes, as a string. */
static char *
read_bounded(int fd, const char *path, char *error, size_t error_size)
{
    char *text = malloc(SSO_CONFIG_FILE_MAX + 1);
    size_t length = 0;

    if (text == NULL) {
        snprintf(error, error_size, "%s: out of memory", path);
        return NULL;
    }

    while (length <= SSO_CONFIG_FILE_MAX) {
        ssize_t got = read(fd, text + length, SSO_CONFIG_FILE_MAX + 1 - length);

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

    if (length > SSO_CONFIG_FILE_MAX) {
        snprintf(error, error_size, "%s: larger than %d bytes", path,
                 SSO_CONFIG_FILE_MAX);
        free(text);
        return NULL;
    }
    if (memchr(text, '\0', length) != NULL) {
        snprintf(error, error_size, "%s: contains a NUL byte", path);
        free(text);
        return NULL;
    }
    text[length] = '\0';
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

/* Split one LINE in place and hand it to APPLY. */
static int
apply_line(char *line, unsigned int number, const char *path,
           sso_setting_fn apply, void *context, char *error,
           size_t error_size)
{
    char *equals;
    char *key;
    char *value = NULL;
    char reason[256];

    line = trim(line);
    if (line[0] == '\0' || line[0] == '#')
        return 0;

    equals = strchr(line, '=');
    if (equals != NULL) {
        *equals = '\0';
        value = trim(equals + 1);
    }
    key = trim(line);

    reason[0] = '\0';
    if (apply(context, key, value, reason, sizeof(reason)) != 0) {
        snprintf(error, error_size, "%s:%u: %s", path, number, reason);
        return -1;
    }
    return 0;
}

int
sso_config_file_read(const char *path, bool must_exist, sso_setting_fn apply,
                     void *context, char *error, size_t error_size)
{
    char *text = NULL;
    char *line;
    char *next;
    unsigned int number = 0;
    int fd = -1;
    int status = -1;

    if (open_trusted(path, must_exist, &fd, error, error_size) != 0)
        goto done;
    if (fd < 0) {
        status = 0;
        goto done;
    }

    text = read_bounded(fd, path, error, error_size);
    if (text == NULL)
        goto done;

    for (line = text; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        number++;

        if (apply_line(line, number, path, apply, context, error,
                       error_size) != 0)
            goto done;
    }
    status = 0;

done:
    if (fd >= 0)
        close(fd);
    free(text);
    return status;
}
