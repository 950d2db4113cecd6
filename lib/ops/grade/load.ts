/**
 * Reading the quiz, the key and the answer files, each check reported as a problem that names the
 * file, the field and the value (the cohort file's format: `file: path: message (got value)`).
 * Nothing here writes anything: `cohort-lab grade` writes only once every file has passed.
 */
import { readFileSync } from 'fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigProblem, formatProblem } from '../../config/errors';
import { closestKey } from '../../config/suggest';
import { zodProblems } from '../../config/zod-problems';
import { checkAnswerSheet } from './answers';
import { AnswerSheet, keySchema, Question, QuestionType, Quiz, QuizKey, quizSchema } from './model';

/** Bad input to `cohort-lab grade`: every problem of every file, one per line; exit 2, nothing written. */
export class GradeInputError extends Error {
  public override readonly name = 'GradeInputError';
  public readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

/** The parsed YAML of `file`, or the problems that stop it being read. */
export function readYaml(file: string): { data: unknown } | { problems: ConfigProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problems: [{ file, path: '', message: `cannot be read (${code ?? (err as Error).message})` }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        const what =
          e.code === 'DUPLICATE_KEY'
            ? `the key ${JSON.stringify(/^["']?([^"':\n]*)/.exec(text.slice(e.pos[0]))?.[1].trim())} is written twice`
            : e.message.split('\n')[0];
        return { file, path: '', message: `is not valid YAML: line ${line}, column ${col}: ${what}` };
      }),
    };
  }
  return { data: doc.toJS() as unknown };
}

function parsed<T>(file: string, schema: z.ZodType<T>): { value: T } | { problems: ConfigProblem[] } {
  const read = readYaml(file);
  if ('problems' in read) return read;
  const result = schema.safeParse(read.data);
  if (!result.success) return { problems: zodProblems(result.error, read.data, file, schema) };
  return { value: result.data };
}

/** Duplicate ids in `ids`, each reported at its second place. */
function duplicates(file: string, ids: readonly string[], path: (i: number) => string): ConfigProblem[] {
  const seen = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  ids.forEach((id, i) => {
    const first = seen.get(id);
    if (first === undefined) seen.set(id, i);
    else problems.push({ file, path: path(i), message: `repeats the id of ${path(first)}`, value: id });
  });
  return problems;
}

/** The quiz's cross-field checks: unique ids, known objectives, options that fit each type. */
export function quizProblems(quiz: Quiz, file: string): ConfigProblem[] {
  const problems = [
    ...duplicates(
      file,
      quiz.objectives.map((o) => o.id),
      (i) => `objectives[${i}].id`,
    ),
    ...duplicates(
      file,
      quiz.questions.map((q) => q.id),
      (i) => `questions[${i}].id`,
    ),
  ];
  const objectives = quiz.objectives.map((o) => o.id);
  quiz.questions.forEach((q, i) => {
    const at = `questions[${i}]`;
    if (!objectives.includes(q.objective)) {
      const hint = closestKey(q.objective, objectives);
      problems.push({
        file,
        path: `${at}.objective`,
        message: `is not an objective of the quiz (${objectives.join(', ')})${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
        value: q.objective,
      });
    }
    if (q.type === QuestionType.NUMERIC) {
      if (q.options !== undefined)
        problems.push({ file, path: `${at}.options`, message: 'a numeric question has no options' });
      if (q.precision === undefined) {
        problems.push({
          file,
          path: `${at}.precision`,
          message: 'is required for a numeric question (0 for an exact answer)',
        });
      }
    } else {
      if (q.options === undefined || q.options.length < 2) {
        problems.push({
          file,
          path: `${at}.options`,
          message: `a ${q.type}-choice question needs at least 2 options`,
        });
      } else {
        problems.push(
          ...duplicates(
            file,
            q.options.map((o) => o.id),
            (j) => `${at}.options[${j}].id`,
          ),
        );
      }
      if (q.precision !== undefined) {
        problems.push({
          file,
          path: `${at}.precision`,
          message: `only a numeric question has a precision`,
          value: q.precision,
        });
      }
    }
  });
  for (const o of quiz.objectives) {
    if (!quiz.questions.some((q) => q.objective === o.id)) {
      problems.push({ file, path: 'objectives', message: `objective ${o.id} has no question` });
    }
  }
  return problems;
}

/** The key's checks against the quiz: the right quiz, one answer per question, answers that fit. */
export function keyProblems(key: QuizKey, quiz: Quiz, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (key.quiz !== quiz.module.id) {
    problems.push({
      file,
      path: 'quiz',
      message: `is the key of another quiz; the quiz is ${quiz.module.id}`,
      value: key.quiz,
    });
  }
  const ids = quiz.questions.map((q) => q.id);
  for (const id of Object.keys(key.answers)) {
    if (!ids.includes(id)) {
      const hint = closestKey(id, ids);
      problems.push({
        file,
        path: `answers.${id}`,
        message: `is not a question of the quiz${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
      });
    }
  }
  for (const q of quiz.questions) {
    const entry = key.answers[q.id];
    if (entry === undefined) {
      problems.push({
        file,
        path: `answers.${q.id}`,
        message: 'is missing: every question needs its answer',
      });
      continue;
    }
    problems.push(...keyAnswerProblems(q, entry.answer, file, `answers.${q.id}.answer`));
  }
  return problems;
}

function keyAnswerProblems(
  q: Question,
  answer: QuizKey['answers'][string]['answer'],
  file: string,
  path: string,
): ConfigProblem[] {
  const options = (q.options ?? []).map((o) => o.id);
  const notOption = (value: string, at: string): ConfigProblem[] =>
    options.includes(value)
      ? []
      : [{ file, path: at, message: `is not an option of ${q.id} (${options.join(', ')})`, value }];
  switch (q.type) {
    case QuestionType.NUMERIC:
      return typeof answer === 'number'
        ? []
        : [{ file, path, message: `must be a number: ${q.id} is numeric`, value: answer }];
    case QuestionType.SINGLE:
      return typeof answer === 'string'
        ? notOption(answer, path)
        : [{ file, path, message: `must be one option id: ${q.id} is single-choice`, value: answer }];
    case QuestionType.MULTIPLE: {
      if (!Array.isArray(answer))
        return [
          { file, path, message: `must be a list of option ids: ${q.id} is multiple-choice`, value: answer },
        ];
      const list = answer as readonly string[];
      return [
        ...list.flatMap((a, i) => notOption(a, `${path}[${i}]`)),
        ...duplicates(file, list, (i) => `${path}[${i}]`),
      ];
    }
  }
}

/** The quiz of `file`, checked; throws GradeInputError with every problem. */
export function loadQuiz(file: string): Quiz {
  const result = parsed(file, quizSchema);
  if ('problems' in result) throw new GradeInputError(result.problems);
  const problems = quizProblems(result.value, file);
  if (problems.length > 0) throw new GradeInputError(problems);
  return result.value;
}

/** The key of `file`, checked against `quiz`; throws GradeInputError with every problem. */
export function loadKey(file: string, quiz: Quiz): QuizKey {
  const result = parsed(file, keySchema);
  if ('problems' in result) throw new GradeInputError(result.problems);
  const problems = keyProblems(result.value, quiz, file);
  if (problems.length > 0) throw new GradeInputError(problems);
  return result.value;
}

/**
 * Every answer file, checked against the quiz (and the roster, when given); throws
 * GradeInputError with the problems of all of them, so one run shows everything to fix.
 */
export function loadAnswerSheets(
  files: readonly string[],
  quiz: Quiz,
  roster?: { readonly name: string; readonly learners: readonly string[] },
): AnswerSheet[] {
  const problems: ConfigProblem[] = [];
  const sheets: AnswerSheet[] = [];
  const byLearner = new Map<string, string>();
  for (const file of files) {
    const read = readYaml(file);
    if ('problems' in read) {
      problems.push(...read.problems);
      continue;
    }
    const checked = checkAnswerSheet(read.data, file, quiz, roster);
    problems.push(...checked.problems);
    if (checked.sheet === undefined) continue;
    const other = byLearner.get(checked.sheet.learner);
    if (other !== undefined) {
      problems.push({
        file,
        path: 'learner',
        message: `is also the learner of ${other}: one answer file per learner`,
        value: checked.sheet.learner,
      });
      continue;
    }
    byLearner.set(checked.sheet.learner, file);
    if (checked.problems.length === 0) sheets.push(checked.sheet);
  }
  if (problems.length > 0) throw new GradeInputError(problems);
  return sheets;
}
