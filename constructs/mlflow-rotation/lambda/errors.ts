/** A rotation step failed in a way that a retry may fix; the message never contains a secret. */
export class RotationError extends Error {}

/** A roster member request cannot be carried out; the message never contains a secret. */
export class RosterError extends Error {}
