/**
 * The instructor's files, as text: `results.csv` and `results.md` (one row per learner),
 * `questions.csv` and `questions.md` (per question, and per objective in the Markdown). None of
 * them holds the key: a question's row shows how learners answered, never the right answer.
 */
import { Quiz } from './model';
import { LearnerScore } from './score';
import { ObjectiveStats, QuestionStats } from './stats';

/** The result column of a roster learner who handed in no answer file. */
export const NO_ANSWERS = 'no answers';

export interface GradeReport {
  readonly quiz: Quiz;
  readonly scores: readonly LearnerScore[];
  /** Roster learners without an answer file (empty without a roster). */
  readonly missing: readonly string[];
  readonly questions: readonly QuestionStats[];
  readonly objectives: readonly ObjectiveStats[];
}

/** Points shown with at most two decimals: 16, 15.5, 12.67. */
export function points(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * A percentage with one decimal, rounded DOWN, so that 79.96% shows as 79.9 and never as a pass
 * mark it did not reach.
 */
export function percent(value: number): string {
  return (Math.floor(value * 10 + 1e-7) / 10).toFixed(1);
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * Written here rather than taken from a library: these dozen characters are all the CSV we write.
 */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csv(rows: ReadonlyArray<readonly string[]>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function mdCell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [
    `| ${header.map(mdCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ];
}

function learnerRows(report: GradeReport): string[][] {
  const ids = report.quiz.objectives.map((o) => o.id);
  return [
    ...report.scores.map((s) => [
      s.learner,
      s.passed ? 'pass' : 'fail',
      points(s.score),
      points(s.maxScore),
      percent(s.percent),
      ...ids.map((id) => percent(s.objectives.get(id) ?? 0)),
      s.file,
    ]),
    ...report.missing.map((learner) => [learner, NO_ANSWERS, '', '', '', ...ids.map(() => ''), '']),
  ];
}

function learnerHeader(quiz: Quiz): string[] {
  return ['learner', 'result', 'score', 'max_score', 'percent', ...quiz.objectives.map((o) => o.id), 'file'];
}

export function resultsCsv(report: GradeReport): string {
  return csv([learnerHeader(report.quiz), ...learnerRows(report)]);
}

function questionRow(q: QuestionStats): string[] {
  return [
    q.question,
    q.objective,
    q.type,
    points(q.points),
    String(q.answered),
    String(q.blank),
    String(q.correct),
    percent(100 * q.correctRate),
    percent(100 * q.meanCredit),
    q.mostCommonWrong?.answer ?? '',
    q.mostCommonWrong === undefined ? '' : String(q.mostCommonWrong.count),
  ];
}

const QUESTION_HEADER = [
  'question',
  'objective',
  'type',
  'points',
  'answered',
  'blank',
  'correct',
  'correct_percent',
  'mean_credit_percent',
  'most_common_wrong',
  'most_common_wrong_count',
];

export function questionsCsv(report: GradeReport): string {
  return csv([QUESTION_HEADER, ...report.questions.map(questionRow)]);
}

function summary(report: GradeReport): string {
  const passed = report.scores.filter((s) => s.passed).length;
  const max = report.scores[0]?.maxScore ?? report.quiz.questions.reduce((s, q) => s + q.points, 0);
  const missing = report.missing.length === 0 ? '' : `; ${report.missing.length} without answers`;
  return (
    `${report.scores.length} graded, ${passed} passed, ${report.scores.length - passed} failed${missing}. ` +
    `${report.quiz.questions.length} questions, ${points(max)} points; pass at ${report.quiz.passPercent}%.`
  );
}

export function resultsMarkdown(report: GradeReport): string {
  const { quiz } = report;
  return [
    `# ${quiz.module.id} ${quiz.module.title}: results`,
    '',
    summary(report),
    '',
    `Objective columns: the share of that objective's points earned (${quiz.objectives.map((o) => o.id).join(', ')}; texts in questions.md). Percentages are rounded down.`,
    '',
    ...mdTable(learnerHeader(quiz), learnerRows(report)),
    '',
  ].join('\n');
}

export function questionsMarkdown(report: GradeReport): string {
  const { quiz } = report;
  return [
    `# ${quiz.module.id} ${quiz.module.title}: questions`,
    '',
    summary(report),
    '',
    '## Per objective',
    '',
    ...mdTable(
      ['objective', 'text', 'questions', 'points', 'mean_credit_percent', 'weakest_question'],
      report.objectives.map((o) => [
        o.objective,
        o.text,
        String(o.questions),
        points(o.points),
        percent(100 * o.meanCredit),
        o.weakest,
      ]),
    ),
    '',
    '## Per question',
    '',
    'correct: full credit; most_common_wrong: the answer given most often without full credit (blanks aside).',
    '',
    ...mdTable(QUESTION_HEADER, report.questions.map(questionRow)),
    '',
  ].join('\n');
}

/** The four files, by name. */
export function renderAll(report: GradeReport): ReadonlyArray<{ name: string; text: string }> {
  return [
    { name: 'results.csv', text: resultsCsv(report) },
    { name: 'results.md', text: resultsMarkdown(report) },
    { name: 'questions.csv', text: questionsCsv(report) },
    { name: 'questions.md', text: questionsMarkdown(report) },
  ];
}
