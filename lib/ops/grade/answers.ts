/**
 * One learner's answer file, checked against the quiz:
 *
 * ```yaml
 * learner: ada
 * answers:
 *   registry-alias-uri: b          # single choice: one option id
 *   registry-alias-semantics: [a, c]  # multiple choice: a list ([] or ~ leaves it blank)
 *   drift-psi-value: 0.169         # numeric
 *   iac-template-limit: ~          # left blank: no points
 * ```
 *
 * Every question of the quiz must be there (a missing one is a mistake in the file, not a blank:
 * `~` says "blank" on purpose); an unknown id, an option the question does not have, a value of the
 * wrong type or an option listed twice is a problem naming the field and the value.
 */
import { ConfigProblem } from '../../config/errors';
import { closestKey } from '../../config/suggest';
import { SLUG_PATTERN } from '../../core/identity';
import { AnswerSheet, KEY_KIND, LearnerAnswer, Question, QuestionType, Quiz } from './model';

const FIELDS = ['learner', 'answers'];

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hint(name: string, known: readonly string[]): string {
  const near = closestKey(name, known);
  return near === undefined ? '' : `; did you mean "${near}"?`;
}

/** The problems of `data` (one parsed answer file), and the sheet when its learner could be read. */
export function checkAnswerSheet(
  data: unknown,
  file: string,
  quiz: Quiz,
  roster?: { readonly name: string; readonly learners: readonly string[] },
): { problems: ConfigProblem[]; sheet?: AnswerSheet } {
  if (!isMapping(data)) {
    return {
      problems: [
        {
          file,
          path: '',
          message: 'must be a mapping with the fields learner and answers',
          value: data ?? null,
        },
      ],
    };
  }
  // The key or the quiz itself among the answer files: say so, rather than list every field.
  if (data.kind === KEY_KIND) {
    return {
      problems: [
        { file, path: '', message: 'is the answer key, not an answer file: keep it out of the answers' },
      ],
    };
  }
  if ('questions' in data && 'objectives' in data) {
    return { problems: [{ file, path: '', message: 'is a quiz, not an answer file' }] };
  }
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(data)) {
    if (!FIELDS.includes(key))
      problems.push({ file, path: key, message: `is not a known field${hint(key, FIELDS)}` });
  }
  const learner = data.learner;
  let learnerOk = false;
  if (learner === undefined) {
    problems.push({ file, path: 'learner', message: 'is required: the slug of the learner who answered' });
  } else if (typeof learner !== 'string' || !SLUG_PATTERN.test(learner)) {
    problems.push({
      file,
      path: 'learner',
      message: 'must be a learner slug (lowercase letters, digits and -)',
      value: learner,
    });
  } else if (roster !== undefined && !roster.learners.includes(learner)) {
    problems.push({
      file,
      path: 'learner',
      message: `is not a learner of cohort ${roster.name}${hint(learner, roster.learners)}`,
      value: learner,
    });
  } else {
    learnerOk = true;
  }
  const answers = new Map<string, LearnerAnswer>();
  const given = data.answers;
  if (given === undefined) {
    problems.push({ file, path: 'answers', message: 'is required: one entry per question id of the quiz' });
  } else if (!isMapping(given)) {
    problems.push({
      file,
      path: 'answers',
      message: 'must be a mapping of question id to answer',
      value: given,
    });
  } else {
    const ids = quiz.questions.map((q) => q.id);
    for (const id of Object.keys(given)) {
      if (!ids.includes(id)) {
        problems.push({
          file,
          path: `answers.${id}`,
          message: `is not a question of ${quiz.module.id}${hint(id, ids)}`,
        });
      }
    }
    for (const q of quiz.questions) {
      if (!(q.id in given)) {
        problems.push({
          file,
          path: `answers.${q.id}`,
          message: `is missing; write "${q.id}: ~" to leave it blank`,
        });
        continue;
      }
      const checked = checkAnswer(q, given[q.id], file, `answers.${q.id}`);
      problems.push(...checked.problems);
      answers.set(q.id, checked.answer);
    }
  }
  return {
    problems,
    sheet: learnerOk ? { file, learner: learner as string, answers } : undefined,
  };
}

function checkAnswer(
  q: Question,
  value: unknown,
  file: string,
  path: string,
): { problems: ConfigProblem[]; answer: LearnerAnswer } {
  if (value === null) return { problems: [], answer: undefined };
  const options = (q.options ?? []).map((o) => o.id);
  const optionList = options.join(', ');
  const fail = (message: string, at = path, got: unknown = value) => ({
    problems: [{ file, path: at, message, value: got }],
    answer: undefined,
  });
  switch (q.type) {
    case QuestionType.NUMERIC:
      if (typeof value !== 'number' || !Number.isFinite(value))
        return fail('must be a number (numeric question)');
      return { problems: [], answer: value };
    case QuestionType.SINGLE:
      if (typeof value !== 'string')
        return fail(`must be one option id (${optionList}): single-choice question`);
      if (!options.includes(value)) return fail(`is not an option of ${q.id} (${optionList})`);
      return { problems: [], answer: value };
    case QuestionType.MULTIPLE: {
      if (!Array.isArray(value))
        return fail(
          `must be a list of option ids, such as [${options.slice(0, 2).join(', ')}]: multiple-choice question`,
        );
      const problems: ConfigProblem[] = [];
      const seen = new Set<string>();
      value.forEach((v: unknown, i) => {
        if (typeof v !== 'string' || !options.includes(v)) {
          problems.push({
            file,
            path: `${path}[${i}]`,
            message: `is not an option of ${q.id} (${optionList})`,
            value: v,
          });
        } else if (seen.has(v)) {
          problems.push({ file, path: `${path}[${i}]`, message: 'lists an option a second time', value: v });
        } else {
          seen.add(v);
        }
      });
      return { problems, answer: problems.length > 0 || seen.size === 0 ? undefined : [...seen].sort() };
    }
  }
}
