/*
 * The state that lets pam_sm_close_session revoke the access token.
 *
 * Under sshd the token is read in a forked child that exits after
 * authentication, and the session closes in another process.  The only
 * channel between the two is the PAM environment, which also reaches the
 * user's shell, so the token cannot travel there.  It is kept in a file in
 * a folder that only root can read, and the PAM environment carries only
 * the file's name until a session step takes it out.
 *
 * File names:
 *   EXPIRY-RANDOM             written at authentication
 *   EXPIRY-RANDOM.PID-START   claimed by the process that closes the session
 * EXPIRY is the credentials' expiry in Unix seconds and RANDOM 32 hex digits
 * from getrandom().  PID and START name the claiming process and its start
 * time in clock ticks after boot, which distinguishes a live session from
 * a reused process id.  A file is swept once EXPIRY has passed and its
 * holder, if any, is gone, or when no session step claimed it within five
 * minutes.  A session that outlives its credentials keeps its file.
 *
 * Every path is opened relative to the folder's descriptor, without
 * following symbolic links, and the folder and each file must belong to
 * the module's user and be closed to group and others.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "session_state.h"
#include "text.h"

/* First line of every state file, which also versions the format. */
#define STATE_HEADER "pam_sso state 1"

/* Largest state file read: four lines of bounded values. */
#define STATE_FILE_MAX (16 * 1024)

#define RANDOM_BYTES 16

/* Seconds a file may wait to be claimed.  The session steps run right after
 * authentication, and sshd's whole login is bounded by LoginGraceTime
 * (120 s by default), so an older unclaimed file belongs to a login that
 * was refused after pam_sso accepted it. */
#define STATE_CLAIM_GRACE 300

/* The parts of a state file name. */
struct state_name {
    long long expiry;
    bool claimed;
    long pid;
    unsigned long long start;
};

static void
set_error(char *error, const char *what, int errnum)
{
    if (errnum != 0)
        snprintf(error, SSO_STATE_ERROR_MAX, "%s: %s", what,
                 strerror(errnum));
    else
        snprintf(error, SSO_STATE_ERROR_MAX, "%s", what);
}

/* Read a run of 1 to MAX decimal digits at *TEXT into *VALUE. */
static bool
take_digits(const char **text, size_t max, unsigned long long *value)
{
    const char *p = *text;
    size_t count = 0;

    *value = 0;
    while (isdigit((unsigned char) *p) && count < max) {
        *value = *value * 10 + (unsigned long long) (*p - '0');
        p++;
        count++;
    }
    if (count == 0 || isdigit((unsigned char) *p))
        return false;
    *text = p;
    return true;
}

static bool
parse_name(const char *name, struct state_name *parts)
{
    const char *p = name;
    unsigned long long number;
    size_t i;

    memset(parts, 0, sizeof(*parts));
    if (!take_digits(&p, 18, &number) || *p++ != '-')
        return false;
    parts->expiry = (long long) number;

    for (i = 0; i < 2 * RANDOM_BYTES; i++, p++)
        if (!isdigit((unsigned char) *p) && (*p < 'a' || *p > 'f'))
            return false;
    if (*p == '\0')
        return true;

    if (*p++ != '.' || !take_digits(&p, 10, &number) || *p++ != '-')
        return false;
    parts->pid = (long) number;
    if (!take_digits(&p, 20, &parts->start) || *p != '\0')
        return false;
    parts->claimed = true;
    return parts->pid > 0;
}

bool
sso_state_name_valid(const char *name)
{
    struct state_name parts;

    return strlen(name) < SSO_STATE_NAME_MAX && parse_name(name, &parts)
           && !parts.claimed;
}

/* Whether ST belongs to the module's user and is closed to everyone else. */
static bool
is_private(const struct stat *st)
{
    return st->st_uid == geteuid() && (st->st_mode & 077) == 0;
}

/*
 * Open the parent of PATH and check that no other user can replace PATH
 * in it: owned by root or the module's user, and not writable by group or
 * others unless sticky.  The last part of PATH goes to *BASE.
 */
static int
open_parent(const char *path, const char **base, char *error)
{
    char parent[PATH_MAX];
    const char *slash = strrchr(path, '/');
    struct stat st;
    size_t length;
    int fd;

    if (path[0] != '/' || slash == NULL || slash[1] == '\0'
        || strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0) {
        set_error(error, "state_dir must be an absolute path to a folder", 0);
        return -1;
    }
    length = slash == path ? 1 : (size_t) (slash - path);
    if (length >= sizeof(parent)) {
        set_error(error, "state_dir is too long", 0);
        return -1;
    }
    memcpy(parent, path, length);
    parent[length] = '\0';
    *base = slash + 1;

    fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        set_error(error, "the folder holding state_dir cannot be opened",
                  errno);
        return -1;
    }
    if (fstat(fd, &st) != 0
        || (st.st_uid != 0 && st.st_uid != geteuid())
        || ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)) {
        set_error(error, "the folder holding state_dir is writable by "
                  "other users", 0);
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Open the state folder PATH, creating it with mode 0700 when CREATE is
 * set.  Returns a descriptor, -2 when the folder is missing and CREATE is
 * not set, or -1 with the reason in ERROR.
 */
static int
open_state_dir(const char *path, bool create, char *error)
{
    const char *base = NULL;
    struct stat st;
    int parent = -1;
    int fd = -1;

    parent = open_parent(path, &base, error);
    if (parent < 0)
        goto done;

    if (create && mkdirat(parent, base, 0700) != 0 && errno != EEXIST) {
        set_error(error, "state_dir cannot be created", errno);
        goto done;
    }

    fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        fd = errno == ENOENT && !create ? -2 : -1;
        if (fd == -1)
            set_error(error, "state_dir cannot be opened", errno);
        goto done;
    }
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || !is_private(&st)) {
        set_error(error, "state_dir must be a folder of the module's user "
                  "with no access for group or others", 0);
        close(fd);
        fd = -1;
    }

done:
    if (parent >= 0)
        close(parent);
    return fd;
}

/* Open the state folder DIR, which must exist already. */
static int
open_existing_state_dir(const char *dir, char *error)
{
    int fd = open_state_dir(dir, false, error);

    if (fd == -2) {
        set_error(error, "state_dir is missing", 0);
        fd = -1;
    }
    return fd;
}

void
sso_state_clear(struct sso_state *state)
{
    free(state->user);
    free(state->portal_url);
    free(state->ca_file);
    sso_free_secret(state->token);
    memset(state, 0, sizeof(*state));
}

/* Whether VALUE can stand on one line of a state file. */
static bool
is_line_value(const char *value, bool spaces)
{
    return value != NULL && value[0] != '\0'
           && sso_is_printable(value, strlen(value), spaces);
}

/* Format the state file's text into *TEXT (a secret; wipe it). */
static int
format_state(const char *user, const char *portal_url, const char *ca_file,
             const char *token, char **text, size_t *length)
{
    int written;

    if (!is_line_value(user, true) || !is_line_value(portal_url, false)
        || (ca_file != NULL && !is_line_value(ca_file, false))
        || !is_line_value(token, false))
        return -1;

    written = asprintf(text, "%s\nuser=%s\nportal=%s\nca_file=%s\ntoken=%s\n",
                       STATE_HEADER, user, portal_url,
                       ca_file != NULL ? ca_file : "", token);
    if (written < 0) {
        *text = NULL;
        return -1;
    }
    *length = (size_t) written;
    return 0;
}

static int
write_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t done = write(fd, data, length);

        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return -1;
        data += done;
        length -= (size_t) done;
    }
    return 0;
}

static int
random_hex(char *hex)
{
    unsigned char bytes[RANDOM_BYTES];
    size_t i;

    if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t) sizeof(bytes))
        return -1;
    for (i = 0; i < sizeof(bytes); i++)
        snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    return 0;
}

int
sso_state_save(const char *dir, const char *user, const char *portal_url,
               const char *ca_file, const char *token, time_t expiry,
               char *name, char *error)
{
    char hex[2 * RANDOM_BYTES + 1];
    char *text = NULL;
    size_t length = 0;
    int dir_fd = -1;
    int fd = -1;
    int result = -1;

    name[0] = '\0';
    if (format_state(user, portal_url, ca_file, token, &text, &length) != 0) {
        set_error(error, "the state cannot be written: a value is empty, "
                  "has control characters or memory ran out", 0);
        goto done;
    }
    if (random_hex(hex) != 0) {
        set_error(error, "no random bytes for a state file name", errno);
        goto done;
    }
    snprintf(name, SSO_STATE_NAME_MAX, "%lld-%s", (long long) expiry, hex);

    dir_fd = open_state_dir(dir, true, error);
    if (dir_fd < 0)
        goto done;

    fd = openat(dir_fd, name,
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        set_error(error, "a state file cannot be created", errno);
        goto done;
    }
    if (write_all(fd, text, length) != 0 || close(fd) != 0) {
        fd = -1;
        set_error(error, "a state file cannot be written", errno);
        unlinkat(dir_fd, name, 0);
        goto done;
    }
    fd = -1;
    result = 0;

done:
    if (fd >= 0)
        close(fd);
    if (dir_fd >= 0)
        close(dir_fd);
    if (text != NULL) {
        sso_wipe(text, length);
        free(text);
    }
    if (result != 0)
        name[0] = '\0';
    return result;
}

/* Read the private regular file NAME in DIR_FD into BUFFER (a secret). */
static int
read_state_file(int dir_fd, const char *name, char *buffer, size_t size,
                char *error)
{
    struct stat st;
    size_t length = 0;
    int fd;

    fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        set_error(error, "the state file cannot be opened", errno);
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !is_private(&st)
        || st.st_size <= 0 || (size_t) st.st_size >= size) {
        set_error(error, "the state file is not a private file of the "
                  "expected size", 0);
        close(fd);
        return -1;
    }

    while (length < size - 1) {
        ssize_t got = read(fd, buffer + length, size - 1 - length);

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        length += (size_t) got;
    }
    close(fd);
    buffer[length] = '\0';
    return 0;
}

/* Split off the line at *CURSOR, which must read "KEY=value", and copy
 * the value (empty allowed only when EMPTY_OK) into *VALUE. */
static int
take_line(char **cursor, const char *key, bool empty_ok, char **value)
{
    char *line = *cursor;
    char *end = strchr(line, '\n');
    size_t key_length = strlen(key);

    if (end == NULL)
        return -1;
    *end = '\0';
    *cursor = end + 1;

    if (strncmp(line, key, key_length) != 0 || line[key_length] != '=')
        return -1;
    line += key_length + 1;
    if (line[0] == '\0') {
        *value = NULL;
        return empty_ok ? 0 : -1;
    }
    *value = strdup(line);
    return *value != NULL ? 0 : -1;
}

static int
parse_state(char *text, struct sso_state *state)
{
    char *cursor = text;
    size_t header = strlen(STATE_HEADER);

    memset(state, 0, sizeof(*state));
    if (strncmp(cursor, STATE_HEADER, header) != 0 || cursor[header] != '\n')
        return -1;
    cursor += header + 1;

    if (take_line(&cursor, "user", false, &state->user) != 0
        || take_line(&cursor, "portal", false, &state->portal_url) != 0
        || take_line(&cursor, "ca_file", true, &state->ca_file) != 0
        || take_line(&cursor, "token", false, &state->token) != 0
        || *cursor != '\0') {
        sso_state_clear(state);
        return -1;
    }
    return 0;
}

/* Read the file NAME in DIR_FD and check it was written for USER. */
static int
load_state(int dir_fd, const char *name, const char *user,
           struct sso_state *state, char *error)
{
    char *buffer = malloc(STATE_FILE_MAX);
    int result = -1;

    memset(state, 0, sizeof(*state));
    if (buffer == NULL) {
        set_error(error, "out of memory", 0);
        return -1;
    }
    if (read_state_file(dir_fd, name, buffer, STATE_FILE_MAX, error) != 0)
        goto done;

    if (parse_state(buffer, state) != 0) {
        set_error(error, "the state file is malformed", 0);
        unlinkat(dir_fd, name, 0);
        goto done;
    }
    if (strcmp(state->user, user) != 0) {
        set_error(error, "the state file belongs to another user", 0);
        sso_state_clear(state);
        goto done;
    }
    result = 0;

done:
    sso_wipe(buffer, STATE_FILE_MAX);
    free(buffer);
    return result;
}

/* Start time of process PID in clock ticks after boot, from field 22 of
 * /proc/PID/stat.  The command name in field 2 may hold spaces and
 * parentheses, so fields are counted from its last ')'. */
static int
process_start(long pid, unsigned long long *start)
{
    char path[64];
    char text[1024];
    const char *p;
    FILE *file;
    size_t got;
    int field;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    file = fopen(path, "re");
    if (file == NULL)
        return -1;
    got = fread(text, 1, sizeof(text) - 1, file);
    fclose(file);
    text[got] = '\0';

    p = strrchr(text, ')');
    if (p == NULL)
        return -1;
    for (field = 2; field < 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL)
        return -1;
    p++;
    return take_digits(&p, 20, start) ? 0 : -1;
}

int
sso_state_claim(const char *dir, const char *name, const char *user,
                char *claimed, char *error)
{
    struct sso_state state = { NULL, NULL, NULL, NULL };
    unsigned long long start;
    int dir_fd;
    int result = -1;

    claimed[0] = '\0';
    if (!sso_state_name_valid(name)) {
        set_error(error, "malformed state file name", 0);
        return -1;
    }
    dir_fd = open_existing_state_dir(dir, error);
    if (dir_fd < 0)
        return -1;

    if (load_state(dir_fd, name, user, &state, error) != 0)
        goto done;
    if (process_start((long) getpid(), &start) != 0) {
        set_error(error, "the process start time cannot be read", 0);
        goto done;
    }

    snprintf(claimed, SSO_STATE_NAME_MAX, "%s.%ld-%llu", name, (long) getpid(),
             start);
    if (renameat(dir_fd, name, dir_fd, claimed) != 0) {
        set_error(error, "the state file cannot be renamed", errno);
        claimed[0] = '\0';
        goto done;
    }
    result = 0;

done:
    sso_state_clear(&state);
    close(dir_fd);
    return result;
}

int
sso_state_take(const char *dir, const char *name, const char *user,
               struct sso_state *state, char *error)
{
    struct state_name parts;
    int dir_fd;
    int result = -1;

    memset(state, 0, sizeof(*state));
    if (strlen(name) >= SSO_STATE_NAME_MAX || !parse_name(name, &parts)) {
        set_error(error, "malformed state file name", 0);
        return -1;
    }
    dir_fd = open_existing_state_dir(dir, error);
    if (dir_fd < 0)
        return -1;

    if (load_state(dir_fd, name, user, state, error) != 0)
        goto done;

    /* Removed before the token is used, so that a second close, or a
     * crash half-way through the logout, never sends it again. */
    if (unlinkat(dir_fd, name, 0) != 0) {
        set_error(error, "the state file cannot be removed", errno);
        sso_state_clear(state);
        goto done;
    }
    result = 0;

done:
    close(dir_fd);
    return result;
}

/*
 * Whether the file NAME in DIR_FD, whose name parts are PARTS, may go at
 * NOW: its credentials expired and its holder is gone, or no session step
 * claimed it within the grace time, so the login never reached a session
 * (an account module refused it, for example).
 */
static bool
is_stale(int dir_fd, const char *name, const struct state_name *parts,
         time_t now)
{
    unsigned long long start;
    struct stat st;

    if (!parts->claimed) {
        if (parts->expiry < (long long) now)
            return true;
        return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0
               && st.st_mtime + STATE_CLAIM_GRACE < now;
    }
    if (parts->expiry >= (long long) now)
        return false;
    return process_start(parts->pid, &start) != 0 || start != parts->start;
}

int
sso_state_sweep(const char *dir, time_t now, char *error)
{
    struct state_name parts;
    struct dirent *entry;
    DIR *listing;
    int dir_fd;
    int removed = 0;

    dir_fd = open_state_dir(dir, false, error);
    if (dir_fd == -2)
        return 0;
    if (dir_fd < 0)
        return -1;

    listing = fdopendir(dir_fd);
    if (listing == NULL) {
        set_error(error, "state_dir cannot be listed", errno);
        close(dir_fd);
        return -1;
    }

    /* Names of other shapes are left alone: they are not the module's. */
    while ((entry = readdir(listing)) != NULL) {
        if (strlen(entry->d_name) >= SSO_STATE_NAME_MAX
            || !parse_name(entry->d_name, &parts)
            || !is_stale(dir_fd, entry->d_name, &parts, now))
            continue;
        if (unlinkat(dir_fd, entry->d_name, 0) == 0)
            removed++;
    }

    closedir(listing);
    return removed;
}
