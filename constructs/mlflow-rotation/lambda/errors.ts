/** A rotation step failed in a way that a retry may fix; the message never contains a secret. */
export class RotationError extends Error {}
