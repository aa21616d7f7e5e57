/*
 * jwt/verifier.c - build a struct token_verifier from struct token_config:
 * algorithm lists, accepted issuers and audiences, the default key set and
 * one key set per jwt_issuer line.
 *
 * Every check that can be made on the configuration is made here, once,
 * so that `lobbyd --check` reports it and token_verify() never meets a
 * half-configured verifier.  Nothing here logs; refusals carry a reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt/claims.h"
#include "jwt/keys.h"
#include "jwt/token.h"
#include "jwt/verifier.h"

void token_verifier_free(struct token_verifier *v)
{
    size_t i;

    if (v == NULL)
        return;
    claims_list_free(&v->issuers);
    claims_list_free(&v->audiences);
    keys_set_free(v->keys);
    for (i = 0; i < v->n_extra; i++) {
        free(v->extra[i].name);
        keys_set_free(v->extra[i].keys);
    }
    free(v->domain);
    free(v);
}

const struct token_issuer *verifier_find_issuer(const struct token_verifier *v,
                                                const char *iss)
{
    size_t i;

    for (i = 0; i < v->n_extra; i++) {
        if (strcmp(v->extra[i].name, iss) == 0)
            return &v->extra[i];
    }
    return NULL;
}

/*
 * Parses one "ISS secret_file=P key_dir=D algorithms=A,B" line into
 * 'iss' (copies), building its key set.
 */
static int token_parse_issuer(const char *line, unsigned hs_default,
                              unsigned asym_default, struct token_issuer *iss,
                              struct token_reason *why)
{
    char buf[TOKEN_MAX_ISSUER_LINE], sub[TOKEN_REASON_MAX];
    char *p, *word, *secret = NULL, *dir = NULL, *algs = NULL;
    unsigned mask = hs_default | asym_default;
    int n;

    n = snprintf(buf, sizeof(buf), "%s", line);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        token_reason_set(why, "jwt_issuer: line longer than %d bytes",
                         TOKEN_MAX_ISSUER_LINE);
        return -1;
    }
    p = buf;
    while (*p != '\0') {
        if (*p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        word = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        if (*p != '\0')
            *p++ = '\0';
        if (iss->name == NULL && strchr(word, '=') == NULL) {
            iss->name = word;
        } else if (strncmp(word, "secret_file=", 12) == 0 && secret == NULL) {
            secret = word + 12;
        } else if (strncmp(word, "key_dir=", 8) == 0 && dir == NULL) {
            dir = word + 8;
        } else if (strncmp(word, "algorithms=", 11) == 0 && algs == NULL) {
            algs = word + 11;
        } else {
            token_reason_set(why,
                             "jwt_issuer: unexpected or repeated word "
                             "\"%.40s\" (ISS secret_file=P key_dir=D "
                             "algorithms=A,B)",
                             word);
            iss->name = NULL;
            return -1;
        }
    }
    if (iss->name == NULL || strcmp(iss->name, "*") == 0 ||
        (secret == NULL && dir == NULL)) {
        token_reason_set(why, "jwt_issuer: needs an issuer name (not \"*\") "
                              "and secret_file= or key_dir=");
        iss->name = NULL;
        return -1;
    }
    if (algs != NULL) {
        /* Truncation of the option name in a reason is acceptable. */
        (void)snprintf(sub, sizeof(sub), "jwt_issuer %.40s algorithms",
                       iss->name);
        if (keys_alg_list_parse(algs,
                                KEYS_ALGS_HS | KEYS_ALGS_RS | KEYS_ALGS_ES, sub,
                                &mask, why) != 0) {
            iss->name = NULL;
            return -1;
        }
    }
    iss->keys = keys_set_new(secret, mask & KEYS_ALGS_HS, dir,
                             mask & (KEYS_ALGS_RS | KEYS_ALGS_ES), why);
    iss->name = iss->keys != NULL ? strdup(iss->name) : NULL;
    if (iss->name == NULL) {
        if (iss->keys != NULL)
            token_reason_set(why, "out of memory");
        keys_set_free(iss->keys);
        iss->keys = NULL;
        return -1;
    }
    return 0;
}

/* Lists and policy of the default issuer(s). */
static int token_setup_lists(struct token_verifier *v,
                             const struct token_config *cfg,
                             struct token_reason *why)
{
    const char *issuers = cfg->accepted_issuers;

    if (issuers == NULL)
        issuers = cfg->app_id;
    if (issuers == NULL && v->keys != NULL) {
        token_reason_set(why, "jwt_app_id or jwt_accepted_issuers must be set "
                              "when jwt_secret_file or jwt_key_dir is");
        return -1;
    }
    if (issuers != NULL &&
        claims_list_parse(issuers,
                          cfg->accepted_issuers != NULL ? "jwt_accepted_issuers"
                                                        : "jwt_app_id",
                          &v->issuers, why) != 0)
        return -1;
    if (claims_list_parse(cfg->accepted_audiences != NULL
                              ? cfg->accepted_audiences
                              : TOKEN_DEFAULT_AUDIENCES,
                          "jwt_accepted_audiences", &v->audiences, why) != 0)
        return -1;
    if (cfg->verify_domain && (cfg->domain == NULL || cfg->domain[0] == '\0')) {
        token_reason_set(why, "jwt_verify_domain is on but jwt_domain is not "
                              "set");
        return -1;
    }
    if (cfg->leeway_s > TOKEN_MAX_LEEWAY_S) {
        token_reason_set(why, "jwt_leeway: %u s is more than %d s",
                         cfg->leeway_s, TOKEN_MAX_LEEWAY_S);
        return -1;
    }
    if (cfg->verify_domain) {
        v->domain = strdup(cfg->domain);
        if (v->domain == NULL) {
            token_reason_set(why, "out of memory");
            return -1;
        }
    }
    v->policy.audiences = &v->audiences;
    v->policy.domain = v->domain;
    v->policy.leeway_s = cfg->leeway_s;
    v->policy.require_room = cfg->require_room;
    v->policy.require_exp = cfg->require_exp;
    v->policy.allow_wildcard_room = cfg->allow_wildcard_room;
    v->policy.verify_domain = cfg->verify_domain;
    return 0;
}

static int token_setup_issuers(struct token_verifier *v,
                               const struct token_config *cfg, unsigned hs_mask,
                               unsigned asym_mask, struct token_reason *why)
{
    struct token_issuer iss;
    size_t i;

    if (cfg->n_extra_issuers > TOKEN_MAX_ISSUERS) {
        token_reason_set(why, "jwt_issuer: more than %d lines",
                         TOKEN_MAX_ISSUERS);
        return -1;
    }
    for (i = 0; i < cfg->n_extra_issuers; i++) {
        memset(&iss, 0, sizeof(iss));
        if (token_parse_issuer(cfg->extra_issuers[i], hs_mask, asym_mask, &iss,
                               why) != 0)
            return -1;
        if (verifier_find_issuer(v, iss.name) != NULL ||
            (!v->issuers.any && claims_list_accepts(&v->issuers, iss.name))) {
            token_reason_set(why,
                             "jwt_issuer: issuer \"%.40s\" is configured "
                             "twice",
                             iss.name);
            free(iss.name);
            keys_set_free(iss.keys);
            return -1;
        }
        v->extra[v->n_extra++] = iss;
    }
    return 0;
}

struct token_verifier *token_verifier_new(const struct token_config *cfg,
                                          struct token_reason *why)
{
    struct token_verifier *v = NULL, *ret = NULL;
    unsigned hs_mask = 0, asym_mask = 0;

    token_reason_set(why, "%s", "");
    v = calloc(1, sizeof(*v));
    if (v == NULL) {
        token_reason_set(why, "out of memory");
        goto out;
    }
    if (keys_alg_list_parse(
            cfg->hs_algorithms != NULL ? cfg->hs_algorithms
                                       : TOKEN_DEFAULT_HS_ALGORITHMS,
            KEYS_ALGS_HS, "jwt_hs_algorithms", &hs_mask, why) != 0 ||
        keys_alg_list_parse(cfg->asym_algorithms != NULL
                                ? cfg->asym_algorithms
                                : TOKEN_DEFAULT_ASYM_ALGORITHMS,
                            KEYS_ALGS_RS | KEYS_ALGS_ES, "jwt_asym_algorithms",
                            &asym_mask, why) != 0)
        goto out;
    if (cfg->secret_file != NULL || cfg->key_dir != NULL) {
        v->keys = keys_set_new(cfg->secret_file, hs_mask, cfg->key_dir,
                               asym_mask, why);
        if (v->keys == NULL)
            goto out;
    }
    if (token_setup_lists(v, cfg, why) != 0 ||
        token_setup_issuers(v, cfg, hs_mask, asym_mask, why) != 0)
        goto out;
    v->enabled = v->keys != NULL || v->n_extra > 0;
    ret = v;
    v = NULL;
out:
    token_verifier_free(v);
    return ret;
}

bool token_verifier_enabled(const struct token_verifier *v)
{
    return v != NULL && v->enabled;
}

size_t token_verifier_key_count(const struct token_verifier *v)
{
    size_t i, n = 0;

    if (v == NULL)
        return 0;
    if (v->keys != NULL)
        n = keys_set_key_count(v->keys);
    for (i = 0; i < v->n_extra; i++)
        n += keys_set_key_count(v->extra[i].keys);
    return n;
}
