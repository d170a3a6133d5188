// The kinds of JWT the hub accepts, told apart by one claim that the issuer (`volley
// token`, or the application's own backend) sets and the verifier checks.

/** The claim naming a token's kind. */
export const TOKEN_KIND_CLAIM = 'kind';

/**
 * `connection`: given to `connect` and `refresh`. `subscription`: given to `subscribe`
 * for a private (`$`) channel, with the `channel` claim naming it. A token of one kind is
 * refused where the other is expected (error 118). A token without the claim counts as a
 * subscription token when it has a `channel` claim and as a connection token otherwise.
 */
export const TokenKind = {
  connection: 'connection',
  subscription: 'subscription',
} as const;

export type TokenKindValue = (typeof TokenKind)[keyof typeof TokenKind];
