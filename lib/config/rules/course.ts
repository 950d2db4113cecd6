import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
import { problemAt, RuleContext } from './rule';

const DAY_MS = 86_400_000;

/**
 * The course dates: the end (the expiry) is not before the start, not in the past unless
 * `allowExpired`, and the course is no longer than the profile allows (start and end included).
 */
export function courseRule(
  doc: Pick<CohortFile, 'course'>,
  profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const { start, end } = doc.course;
  if (end < start) {
    return [problemAt(context, ['course', 'end'], `is before course.start (${start})`, end)];
  }
  const problems: ConfigProblem[] = [];
  if (end < context.today && !context.allowExpired) {
    problems.push(
      problemAt(
        context,
        ['course', 'end'],
        `is in the past (today is ${context.today}); the expiry must be today or later; to tear it down, allowExpired=true`,
        end,
      ),
    );
  }
  const days = Math.round((Date.parse(end) - Date.parse(start)) / DAY_MS) + 1;
  if (days > profile.maxCourseDays) {
    problems.push(
      problemAt(
        context,
        ['course', 'end'],
        `makes the course ${days} days long; profile ${profile.name} allows at most ${profile.maxCourseDays}`,
        end,
      ),
    );
  }
  return problems;
}
