/**
 * What the instructor reads per question and per objective: how many answered, how many got it
 * fully right (the correct rate, over every graded learner, blanks included), the mean credit, and
 * the most common wrong answer (ties: the first in text order), which points at a misconception to
 * go over in class.
 */
import { answerText, Quiz } from './model';
import { LearnerScore, Outcome } from './score';

export interface QuestionStats {
  readonly question: string;
  readonly objective: string;
  readonly type: string;
  readonly points: number;
  readonly learners: number;
  readonly answered: number;
  readonly blank: number;
  readonly correct: number;
  /** correct / learners, 0..1; 0 when nobody was graded. */
  readonly correctRate: number;
  /** Mean credit as a share of the points, 0..1. */
  readonly meanCredit: number;
  /** The most common answer that did not earn full credit (blanks aside), with its count. */
  readonly mostCommonWrong?: { readonly answer: string; readonly count: number };
}

export interface ObjectiveStats {
  readonly objective: string;
  readonly text: string;
  readonly questions: number;
  readonly points: number;
  /** Mean share of the objective's points earned, 0..1. */
  readonly meanCredit: number;
  /** The question of this objective with the lowest correct rate. */
  readonly weakest: string;
}

export function questionStats(quiz: Quiz, scores: readonly LearnerScore[]): QuestionStats[] {
  return quiz.questions.map((q, i) => {
    const rows = scores.map((s) => s.questions[i]);
    const wrong = new Map<string, number>();
    for (const r of rows) {
      if (r.outcome === Outcome.WRONG || r.outcome === Outcome.PARTIAL) {
        const text = answerText(r.answer);
        wrong.set(text, (wrong.get(text) ?? 0) + 1);
      }
    }
    const top = [...wrong.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    const n = rows.length;
    const correct = rows.filter((r) => r.outcome === Outcome.CORRECT).length;
    return {
      question: q.id,
      objective: q.objective,
      type: q.type,
      points: q.points,
      learners: n,
      answered: rows.filter((r) => r.outcome !== Outcome.BLANK).length,
      blank: rows.filter((r) => r.outcome === Outcome.BLANK).length,
      correct,
      correctRate: n === 0 ? 0 : correct / n,
      meanCredit: n === 0 ? 0 : rows.reduce((s, r) => s + r.credit, 0) / (n * q.points),
      ...(top === undefined ? {} : { mostCommonWrong: { answer: top[0], count: top[1] } }),
    };
  });
}

export function objectiveStats(quiz: Quiz, stats: readonly QuestionStats[]): ObjectiveStats[] {
  return quiz.objectives.map((o) => {
    const mine = stats.filter((s) => s.objective === o.id);
    const points = mine.reduce((s, q) => s + q.points, 0);
    const weakest = [...mine].sort((a, b) => a.correctRate - b.correctRate)[0];
    return {
      objective: o.id,
      text: o.text,
      questions: mine.length,
      points,
      meanCredit: mine.reduce((s, q) => s + q.meanCredit * q.points, 0) / points,
      weakest: weakest.question,
    };
  });
}
