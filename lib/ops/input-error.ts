/**
 * Bad input to an ops command that is not a cohort file (a flag's value, a cohort name): the
 * command prints the message and exits 2, having changed nothing.
 */
export class OpsInputError extends Error {
  public override readonly name = 'OpsInputError';
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `value` as a calendar date `YYYY-MM-DD`; throws OpsInputError naming the flag and the value
 * otherwise (`2026-13-45` is not a date, and days counted from it would be NaN).
 */
export function calendarDate(flag: string, value: string): string {
  const parsed = new Date(`${value}T00:00:00Z`);
  if (
    !ISO_DATE.test(value) ||
    Number.isNaN(parsed.getTime()) ||
    parsed.toISOString().slice(0, 10) !== value
  ) {
    throw new OpsInputError(`${flag}: must be a calendar date written YYYY-MM-DD (got "${value}")`);
  }
  return value;
}
