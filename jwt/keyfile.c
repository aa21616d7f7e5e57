/*
 * jwt/keyfile.c - read the files that hold keys and secrets, bounded in
 * size, with OpenBSD's check_file_secrecy() rule for secrets: a regular
 * file owned by root or by the daemon's user, not accessible to others and
 * not group-writable (group read is allowed, for root:lobbyd 0640).
 *
 * Buffers that held a secret are wiped with OPENSSL_cleanse() before they
 * are freed.  Nothing here logs; refusals carry a reason naming the file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "jwt/keyfile.h"

/*
 * Checks the open file 'fd': a regular file of at most 'max_bytes'; with
 * 'secret', also owned by root or by us, with no permission for others
 * and no group write (OpenBSD's check_file_secrecy, group read allowed for
 * a root:lobbyd 0640 file).
 */
static int keyfile_check(int fd, const char *path, const char *what,
                         size_t max_bytes, bool secret,
                         struct token_reason *why)
{
    struct stat st;

    if (fstat(fd, &st) == -1) {
        token_reason_set(why, "%s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        token_reason_set(why, "%s %s: not a regular file", what, path);
        return -1;
    }
    if (secret && st.st_uid != 0 && st.st_uid != geteuid()) {
        token_reason_set(why,
                         "%s %s: owned by uid %u, must be owned by root "
                         "or by the daemon's user",
                         what, path, (unsigned)st.st_uid);
        return -1;
    }
    if (secret && (st.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
        token_reason_set(why,
                         "%s %s: mode %04o lets others read or change "
                         "it; chmod 0600 (or 0640)",
                         what, path, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    if ((size_t)st.st_size > max_bytes) {
        token_reason_set(why, "%s %s: larger than %zu bytes", what, path,
                         max_bytes);
        return -1;
    }
    return 0;
}

/*
 * Opens 'path' and reads at most 'max_bytes' of it into a new NUL-ended
 * buffer.  With 'secret' set, the file must also pass the secrecy check.
 */
int keyfile_read(const char *path, const char *what, size_t max_bytes,
                 bool secret, unsigned char **bufp, size_t *lenp,
                 struct token_reason *why)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    ssize_t n;
    int fd = -1, r = -1;

    *bufp = NULL;
    *lenp = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        token_reason_set(why, "%s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (keyfile_check(fd, path, what, max_bytes, secret, why) != 0)
        goto out;
    buf = malloc(max_bytes + 1);
    if (buf == NULL) {
        token_reason_set(why, "%s %s: out of memory", what, path);
        goto out;
    }
    for (;;) {
        n = read(fd, buf + len, max_bytes + 1 - len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            token_reason_set(why, "%s %s: %s", what, path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max_bytes) {
            token_reason_set(why, "%s %s: larger than %zu bytes", what, path,
                             max_bytes);
            goto out;
        }
    }
    buf[len] = '\0';
    *bufp = buf;
    buf = NULL;
    *lenp = len;
    r = 0;
out:
    if (buf != NULL) {
        OPENSSL_cleanse(buf, max_bytes + 1);
        free(buf);
    }
    if (fd != -1)
        close(fd);
    return r;
}

int keyfile_read_secret(const char *path, const char *what, size_t max_bytes,
                        unsigned char **buf, size_t *len,
                        struct token_reason *why)
{
    if (keyfile_read(path, what, max_bytes, true, buf, len, why) != 0)
        return -1;
    if (*len == 0) {
        token_reason_set(why, "%s %s: file is empty", what, path);
        free(*buf);
        *buf = NULL;
        return -1;
    }
    return 0;
}
