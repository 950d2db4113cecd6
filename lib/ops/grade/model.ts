/**
 * The quiz, its key and a learner's answers: the shapes `cohort-lab grade` reads. The quiz
 * (`labs/quiz/quiz.yaml`) is what learners receive and holds no answer: its schema is strict, so a
 * field such as `answer:` added to a question is refused. The key (`solutions/quiz/key.yaml`)
 * lives apart, for instructors only.
 */
import { z } from 'zod';

/** A question or objective id: lowercase letters, digits and `-` (objectives also allow capitals, `LO1`). */
export const QUESTION_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
export const OBJECTIVE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** The marker the key file carries (`kind: quiz-key`); the key-apartness check looks for it. */
export const KEY_KIND = 'quiz-key';

export enum QuestionType {
  SINGLE = 'single',
  MULTIPLE = 'multiple',
  NUMERIC = 'numeric',
}

const optionSchema = z.strictObject({ id: z.string().min(1), text: z.string().min(1) });

export const quizSchema = z.strictObject({
  module: z.strictObject({
    id: z.string().min(1),
    title: z.string().min(1),
    hours: z.number().positive().optional(),
  }),
  passPercent: z.number().gt(0).max(100),
  objectives: z
    .array(z.strictObject({ id: z.string().regex(OBJECTIVE_ID_PATTERN), text: z.string().min(1) }))
    .min(1),
  questions: z
    .array(
      z.strictObject({
        id: z.string().regex(QUESTION_ID_PATTERN, 'must be lowercase letters, digits and -'),
        objective: z.string(),
        type: z.enum(QuestionType),
        points: z.number().positive(),
        prompt: z.string().min(1),
        options: z.array(optionSchema).optional(),
        precision: z.number().min(0).optional(),
      }),
    )
    .min(1),
});

export type Quiz = z.infer<typeof quizSchema>;
export type Question = Quiz['questions'][number];

/** A key's answer: one option id, a set of option ids, or a number. */
export type KeyAnswer = string | readonly string[] | number;

export const keySchema = z.strictObject({
  kind: z.literal(KEY_KIND),
  quiz: z.string().min(1),
  answers: z.record(
    z.string(),
    z.strictObject({
      answer: z.union([z.string().min(1), z.array(z.string().min(1)).min(1), z.number()]),
      explanation: z.string().min(1).optional(),
    }),
  ),
});

export type QuizKey = z.infer<typeof keySchema>;

/**
 * A learner's answer to one question, once validated: `undefined` for a blank (`~`, or `[]` for a
 * multiple-choice question), an option id, a set of option ids, or a number.
 */
export type LearnerAnswer = string | readonly string[] | number | undefined;

/** One learner's validated answer file. */
export interface AnswerSheet {
  readonly file: string;
  readonly learner: string;
  /** Every question id of the quiz, in the quiz's order. */
  readonly answers: ReadonlyMap<string, LearnerAnswer>;
}

/** The canonical text of an answer, as the statistics and the reports show it: `b`, `a+c`, `0.17`, `(blank)`. */
export function answerText(answer: LearnerAnswer | KeyAnswer): string {
  if (answer === undefined) return '(blank)';
  if (typeof answer === 'number') return String(answer);
  if (typeof answer === 'string') return answer;
  return [...answer].sort().join('+');
}
