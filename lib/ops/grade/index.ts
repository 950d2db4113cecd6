/**
 * `cohort-lab grade`: score learners' answer files against the quiz and its key, and write the
 * instructor's results. Pure up to the write: `gradeAnswers` reads and checks every file and
 * returns the report, or throws GradeInputError with every problem, having written nothing.
 */
import { readdirSync, statSync } from 'fs';
import { extname, join } from 'path';
import { ConfigProblem } from '../../config/errors';
import { GradeInputError, loadAnswerSheets, loadKey, loadQuiz } from './load';
import { GradeReport } from './render';
import { scoreSheet } from './score';
import { objectiveStats, questionStats } from './stats';

export * from './apart';
export * from './load';
export * from './model';
export * from './render';
export * from './score';
export * from './stats';
export * from './write';

/** The default places of the quiz and of the key (the key: see solutions/README.md). */
export const DEFAULT_QUIZ_FILE = 'labs/quiz/quiz.yaml';
export const DEFAULT_KEY_FILE = 'solutions/quiz/key.yaml';

/** The answer files `inputs` name: files as given, directories as their `*.yaml`/`*.yml` files (not recursive), sorted. */
export function answerFiles(inputs: readonly string[]): string[] {
  const files: string[] = [];
  const problems: ConfigProblem[] = [];
  for (const input of inputs) {
    let isDir: boolean;
    try {
      isDir = statSync(input).isDirectory();
    } catch (err) {
      problems.push({
        file: input,
        path: '',
        message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      });
      continue;
    }
    if (!isDir) {
      files.push(input);
      continue;
    }
    const found = readdirSync(input)
      .filter((n) => ['.yaml', '.yml'].includes(extname(n)) && !n.startsWith('.'))
      .sort()
      .map((n) => join(input, n));
    if (found.length === 0)
      problems.push({ file: input, path: '', message: 'holds no answer file (*.yaml or *.yml)' });
    files.push(...found);
  }
  if (problems.length > 0) throw new GradeInputError(problems);
  return files;
}

export interface GradeInput {
  readonly quizFile: string;
  readonly keyFile: string;
  readonly answers: readonly string[];
  /** The cohort's learners: every answer file's learner must be one, and those with no file are listed. */
  readonly roster?: { readonly name: string; readonly learners: readonly string[] };
}

/** Read, check and score everything; throws GradeInputError (nothing written) on any bad file. */
export function gradeAnswers(input: GradeInput): GradeReport {
  const quiz = loadQuiz(input.quizFile);
  const key = loadKey(input.keyFile, quiz);
  const sheets = loadAnswerSheets(answerFiles(input.answers), quiz, input.roster);
  const scores = sheets.map((s) => scoreSheet(s, quiz, key)).sort((a, b) => (a.learner < b.learner ? -1 : 1));
  const graded = new Set(scores.map((s) => s.learner));
  const missing = (input.roster?.learners ?? []).filter((l) => !graded.has(l)).sort();
  const questions = questionStats(quiz, scores);
  return { quiz, scores, missing, questions, objectives: objectiveStats(quiz, questions) };
}
