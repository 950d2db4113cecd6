/**
 * Scoring, as the quiz's header tells learners:
 * - single choice: all the points for the key's option, none otherwise;
 * - multiple choice: each right selection earns points / (number of right options), each wrong
 *   selection takes one such share away, and a question never scores below 0 (ticking every box
 *   earns nothing unless every option is right);
 * - numeric: all the points when |answer - key| <= the question's precision;
 * - a blank (`~`, or `[]`) scores 0.
 * A learner passes with `score / max >= passPercent / 100`, compared with a tolerance of 1e-9
 * points so that fractions such as thirds summed in floating point cannot fail a learner who is
 * exactly on the mark.
 */
import { AnswerSheet, KeyAnswer, LearnerAnswer, Question, QuestionType, Quiz, QuizKey } from './model';

/** Floating-point slack for comparisons of points (never a visible share of a point). */
const EPSILON = 1e-9;

export enum Outcome {
  CORRECT = 'correct',
  PARTIAL = 'partial',
  WRONG = 'wrong',
  BLANK = 'blank',
}

export interface QuestionScore {
  readonly question: string;
  readonly objective: string;
  readonly points: number;
  readonly credit: number;
  readonly outcome: Outcome;
  readonly answer: LearnerAnswer;
}

export interface LearnerScore {
  readonly learner: string;
  readonly file: string;
  readonly score: number;
  readonly maxScore: number;
  /** 100 × score / maxScore, unrounded. */
  readonly percent: number;
  readonly passed: boolean;
  readonly questions: readonly QuestionScore[];
  /** Per objective id: the share of that objective's points earned, 0..100. */
  readonly objectives: ReadonlyMap<string, number>;
}

/** The credit of one answer to `q` whose key is `key` (0..q.points). */
export function creditFor(q: Question, key: KeyAnswer, answer: LearnerAnswer): number {
  if (answer === undefined) return 0;
  switch (q.type) {
    case QuestionType.SINGLE:
      return answer === key ? q.points : 0;
    case QuestionType.NUMERIC:
      return typeof answer === 'number' && Math.abs(answer - (key as number)) <= (q.precision ?? 0) + EPSILON
        ? q.points
        : 0;
    case QuestionType.MULTIPLE: {
      const right = new Set(key as readonly string[]);
      const picked = answer as readonly string[];
      const hits = picked.filter((p) => right.has(p)).length;
      const misses = picked.length - hits;
      return (Math.max(0, hits - misses) * q.points) / right.size;
    }
  }
}

function outcomeOf(credit: number, points: number, answer: LearnerAnswer): Outcome {
  if (answer === undefined) return Outcome.BLANK;
  if (credit >= points - EPSILON) return Outcome.CORRECT;
  return credit > EPSILON ? Outcome.PARTIAL : Outcome.WRONG;
}

/** True when `score` out of `maxScore` reaches `passPercent`. */
export function passes(score: number, maxScore: number, passPercent: number): boolean {
  return score * 100 >= passPercent * maxScore - EPSILON * 100;
}

/** One learner's score against the key. */
export function scoreSheet(sheet: AnswerSheet, quiz: Quiz, key: QuizKey): LearnerScore {
  const questions = quiz.questions.map((q): QuestionScore => {
    const answer = sheet.answers.get(q.id);
    const credit = creditFor(q, key.answers[q.id].answer, answer);
    return {
      question: q.id,
      objective: q.objective,
      points: q.points,
      credit,
      outcome: outcomeOf(credit, q.points, answer),
      answer,
    };
  });
  const score = questions.reduce((sum, q) => sum + q.credit, 0);
  const maxScore = questions.reduce((sum, q) => sum + q.points, 0);
  const objectives = new Map<string, number>();
  for (const o of quiz.objectives) {
    const mine = questions.filter((q) => q.objective === o.id);
    const points = mine.reduce((s, q) => s + q.points, 0);
    objectives.set(o.id, (100 * mine.reduce((s, q) => s + q.credit, 0)) / points);
  }
  return {
    learner: sheet.learner,
    file: sheet.file,
    score,
    maxScore,
    percent: (100 * score) / maxScore,
    passed: passes(score, maxScore, quiz.passPercent),
    questions,
    objectives,
  };
}
