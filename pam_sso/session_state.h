/*
 * Logout state: one file per session, in a folder only root can read, that
 * lets closing the session revoke its access token.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_SESSION_STATE_H
#define PAM_SSO_SESSION_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* PAM environment variable that carries a state file's name from the
 * authentication to the session steps.  The session steps delete it before
 * the session's environment is built. */
#define SSO_STATE_VARIABLE "PAM_SSO_STATE"

/* Room for any state file name, NUL included. */
#define SSO_STATE_NAME_MAX 96

/* Room for one error message about the state folder or a file in it. */
#define SSO_STATE_ERROR_MAX 256

struct sso_state {
    char *user;          /* PAM user the token was accepted for */
    char *portal_url;    /* base URL of the portal that accepted it */
    char *ca_file;       /* CA bundle for that portal, or NULL */
    char *token;         /* the access token */
};

/* Wipe the token and free every field. */
void sso_state_clear(struct sso_state *state);

/* Whether NAME has the shape of a state file name that no session step
 * has claimed yet, the only kind the PAM environment carries. */
bool sso_state_name_valid(const char *name);

/*
 * Write a new state file in DIR, creating DIR (mode 0700) if missing: the
 * TOKEN that USER logged in with at the portal PORTAL_URL, reached with the
 * CA bundle CA_FILE (NULL for the system store).  The file is swept once
 * EXPIRY (Unix seconds) has passed and no live process claimed it.  Its name
 * goes to NAME (SSO_STATE_NAME_MAX bytes).  Returns 0, or -1 with the
 * reason in ERROR (SSO_STATE_ERROR_MAX bytes).
 */
int sso_state_save(const char *dir, const char *user, const char *portal_url,
                   const char *ca_file, const char *token, time_t expiry,
                   char *name, char *error);

/*
 * Record the calling process as the holder of the file NAME, written for
 * USER, by renaming it.  The new name goes to CLAIMED.  Call it in the
 * process that will close the session.  Returns 0, or -1 with the reason.
 */
int sso_state_claim(const char *dir, const char *name, const char *user,
                    char *claimed, char *error);

/*
 * Read the file NAME into STATE and remove it, so that it is used once.
 * The file must have been written for USER; a file for another user is
 * left in place.  Returns 0, or -1 with the reason.
 */
int sso_state_take(const char *dir, const char *name, const char *user,
                   struct sso_state *state, char *error);

/*
 * Remove the files in DIR whose expiry has passed by NOW and whose holder,
 * if any, no longer runs, and those that no process claimed within five
 * minutes of their writing.  A missing DIR contains nothing.  Returns the
 * number removed, or -1 with the reason in ERROR.
 */
int sso_state_sweep(const char *dir, time_t now, char *error);

#endif
