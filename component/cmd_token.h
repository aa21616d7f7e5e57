/*
 * cmd_token.h: `lobbyd token check` and `lobbyd token mint`, the token
 * tools for JWT issuers and operators.
 */
#ifndef LOBBYD_COMPONENT_CMD_TOKEN_H
#define LOBBYD_COMPONENT_CMD_TOKEN_H

/* Run `lobbyd token ...`; argv[0] is "token". Returns the process exit
 * code: 0 valid / printed, 1 refused, 2 usage or configuration error. */
int cmd_token_main(int argc, char **argv);

#endif
