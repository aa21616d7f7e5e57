/*
 * config_secret.c: the secrets lobbyd reads from files (the component
 * secret, webhook_secret_file): a file must be a regular file owned by
 * root or by the user lobbyd runs as, with no permissions for others; at most
 * CONFIG_SECRET_MAX bytes, trailing newlines stripped. The component
 * secret may come from LOBBYD_COMPONENT_SECRET instead, which is wiped
 * and removed from the environment once read. Buffers that held a secret
 * are wiped with OPENSSL_cleanse().
 *
 * Deliberately not here: the keys that name those files (config.c's
 * option table); the JWT keys, which jwt/ loads and checks.
 */
#include "component/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/log.h"

int config_check_secrecy(int fd, const char *path, char *why, size_t whysz)
{
    struct stat st;

    if (fstat(fd, &st) == -1) {
        snprintf(why, whysz, "%s: cannot stat: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whysz, "%s: not a regular file", path);
        return -1;
    }
    if (st.st_uid != 0 && st.st_uid != getuid()) {
        snprintf(why, whysz, "%s: owned by uid %u, expected root or uid %u", path,
                 (unsigned)st.st_uid, (unsigned)getuid());
        return -1;
    }
    if ((st.st_mode & S_IRWXO) != 0) {
        snprintf(why, whysz, "%s: accessible to others (mode %03o); run chmod o-rwx on it", path,
                 (unsigned)(st.st_mode & 0777));
        return -1;
    }
    return 0;
}

char *config_read_secret(const char *path, char *why, size_t whysz)
{
    char buf[CONFIG_SECRET_MAX + 2];
    char *secret = NULL;
    ssize_t n;
    size_t len;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        snprintf(why, whysz, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (config_check_secrecy(fd, path, why, whysz) == -1)
        goto out;
    n = read(fd, buf, sizeof(buf) - 1);
    if (n < 0) {
        snprintf(why, whysz, "%s: read error: %s", path, strerror(errno));
        goto out;
    }
    len = (size_t)n;
    if (len > CONFIG_SECRET_MAX) {
        snprintf(why, whysz, "%s: longer than %d bytes", path, CONFIG_SECRET_MAX);
        goto out;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    if (len == 0 || memchr(buf, '\0', len) != NULL) {
        snprintf(why, whysz, "%s: empty or holds a NUL byte", path);
        goto out;
    }
    secret = xstrndup(buf, len);
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    close(fd);
    return secret;
}

int config_load_secret(struct config *cfg, FILE *errs)
{
    char why[512];
    const char *env = getenv("LOBBYD_COMPONENT_SECRET");

    if (env != NULL) {
        if (*env == '\0' || strlen(env) > CONFIG_SECRET_MAX) {
            fprintf(errs, "LOBBYD_COMPONENT_SECRET: empty or longer than %d bytes\n", CONFIG_SECRET_MAX);
            return -1;
        }
        cfg->component_secret = xstrdup(env);
        /* unsetenv() leaves the original block (and /proc/self/environ)
         * untouched: wipe the value in place first. */
        OPENSSL_cleanse((char *)env, strlen(env));
        unsetenv("LOBBYD_COMPONENT_SECRET");
        return 0;
    }
    cfg->component_secret = config_read_secret(cfg->component_secret_file, why, sizeof(why));
    if (cfg->component_secret == NULL) {
        fprintf(errs, "%s: key \"component_secret_file\": %s\n", cfg->path, why);
        return -1;
    }
    return 0;
}
