import { expiryWithDefaults } from '../defaults';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
import { problemAt, RuleContext } from './rule';

const DAY_MS = 86_400_000;

/**
 * The expiry: the action (written or the profile's default) is one the profile allows, no
 * reminder is listed twice, and none falls before the course starts (a one-time schedule in the
 * past never fires).
 */
export function expiryRule(
  doc: Pick<CohortFile, 'expiry' | 'course'>,
  profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { action } = expiryWithDefaults(doc.expiry, profile);
  if (!profile.allowedExpiryActions.includes(action)) {
    problems.push(
      problemAt(
        context,
        ['expiry', 'action'],
        `is not allowed for profile ${profile.name}; use one of ${profile.allowedExpiryActions.join(', ')} ` +
          '(its stacks have termination protection: tear it down with cohort-lab teardown)',
        action,
      ),
    );
  }
  const seen = new Set<number>();
  (doc.expiry.remindDaysBefore ?? []).forEach((days, i) => {
    if (seen.has(days)) {
      problems.push(problemAt(context, ['expiry', 'remindDaysBefore', i], 'is listed twice', days));
    }
    seen.add(days);
    const on = new Date(Date.parse(doc.course.end) - days * DAY_MS).toISOString().slice(0, 10);
    if (on < doc.course.start) {
      problems.push(
        problemAt(
          context,
          ['expiry', 'remindDaysBefore', i],
          `puts the reminder on ${on}, before course.start (${doc.course.start})`,
          days,
        ),
      );
    }
  });
  return problems;
}
