import { join } from 'path';
import {
  creditFor,
  gradeAnswers,
  Outcome,
  passes,
  percent,
  Question,
  QuestionType,
} from '../../../../lib/ops/grade';
import { REPO_ROOT } from '../../../support/cohort';

const FIXTURES = join('test', 'fixtures', 'quiz');

function question(type: QuestionType, points: number, extra: Partial<Question> = {}): Question {
  const options = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, text: id }));
  return {
    id: 'q',
    objective: 'LO1',
    type,
    points,
    prompt: 'p',
    ...(type === QuestionType.NUMERIC ? {} : { options }),
    ...extra,
  };
}

describe('scoring one answer', () => {
  test.each([
    ['the right option', 'b', 2],
    ['another option', 'c', 0],
    ['a blank', undefined, 0],
  ])('single choice (key b, 2 points): %s scores %p', (_, answer, credit) => {
    // GIVEN a single-choice question worth 2 points whose key is b
    // WHEN the answer is scored
    // THEN it earns all or nothing
    expect(creditFor(question(QuestionType.SINGLE, 2), 'b', answer)).toBe(credit);
  });

  test.each([
    ['both right options', ['a', 'c'], 3],
    ['one right option', ['a'], 1.5],
    ['one right and one wrong (they cancel)', ['a', 'b'], 0],
    ['two right and one wrong', ['a', 'b', 'c'], 1.5],
    ['every option (never pays)', ['a', 'b', 'c', 'd', 'e'], 0],
    ['only wrong options (not below 0)', ['b', 'd'], 0],
    ['a blank', undefined, 0],
  ])('multiple choice (key a, c; 3 points): %s scores %p', (_, answer, credit) => {
    // GIVEN a multiple-choice question worth 3 points whose key is [a, c] (1.5 points a share)
    // WHEN the selection is scored
    // THEN right selections earn a share each, wrong ones take one away, floored at 0
    expect(creditFor(question(QuestionType.MULTIPLE, 3), ['a', 'c'], answer)).toBe(credit);
  });

  test.each([
    ['the exact value', 0.25, 2],
    ['the edge of the precision (0.26 - 0.25 is 0.010000000000000009 in floating point)', 0.26, 2],
    ['the lower edge', 0.24, 2],
    ['just outside', 0.2601, 0],
    ['a blank', undefined, 0],
  ])('numeric (key 0.25, precision 0.01): %s scores %p', (_, answer, credit) => {
    // GIVEN a numeric question worth 2 points, key 0.25 within 0.01
    // WHEN the number is scored
    // THEN inside the precision earns everything, outside nothing
    expect(creditFor(question(QuestionType.NUMERIC, 2, { precision: 0.01 }), 0.25, answer)).toBe(credit);
  });

  test('three thirds of a point sum to a pass exactly on the mark', () => {
    // GIVEN 2.4 of 3 points made of floating-point thirds and tenths (80% exactly, not exactly representable)
    const score = 1 / 3 + 1 / 3 + 1 / 3 + 0.1 + 0.1 + 0.2 + 0.7 + 0.3;
    // WHEN the pass rule is applied at 80%
    // THEN it passes, and anything a hundredth of a point lower fails
    expect(passes(score, 3, 80)).toBe(true);
    expect(passes(2.39, 3, 80)).toBe(false);
  });

  test('a percentage is rounded down, so 79.96% never shows as 80.0', () => {
    expect([percent(79.96), percent(80), percent(100), percent((100 * 2) / 3)]).toEqual([
      '79.9',
      '80.0',
      '100.0',
      '66.6',
    ]);
  });
});

describe('grading the fixture answer files', () => {
  const report = gradeAnswers({
    quizFile: join(REPO_ROOT, FIXTURES, 'quiz.yaml'),
    keyFile: join(REPO_ROOT, FIXTURES, 'key.yaml'),
    answers: [join(REPO_ROOT, FIXTURES, 'answers')],
  });

  test('scores each learner as worked out by hand, passing at 80% exactly', () => {
    // GIVEN ada (all right), bob (exactly 8 of 10) and cy (7.5 of 10)
    // WHEN graded
    // THEN
    expect(report.scores.map((s) => [s.learner, s.score, s.maxScore, s.passed])).toEqual([
      ['ada', 10, 10, true],
      ['bob', 8, 10, true],
      ['cy', 7.5, 10, false],
    ]);
  });

  test("scores each of cy's questions with its outcome", () => {
    const cy = report.scores.find((s) => s.learner === 'cy');
    expect(cy?.questions.map((q) => [q.question, q.credit, q.outcome])).toEqual([
      ['q-single-a', 2, Outcome.CORRECT],
      ['q-single-b', 2, Outcome.CORRECT],
      ['q-multi', 1.5, Outcome.PARTIAL],
      ['q-num', 2, Outcome.CORRECT],
      ['q-single-c', 0, Outcome.BLANK],
    ]);
    // LO1: 4 of 4 points; LO2: 3.5 of 6
    expect(Object.fromEntries(cy?.objectives ?? [])).toEqual({ LO1: 100, LO2: (100 * 3.5) / 6 });
  });

  test('counts per question: correct rate, blanks, the most common wrong answer', () => {
    expect(
      report.questions.map((q) => [q.question, q.correct, q.blank, q.correctRate, q.mostCommonWrong]),
    ).toEqual([
      ['q-single-a', 3, 0, 1, undefined],
      ['q-single-b', 2, 0, 2 / 3, { answer: 'b', count: 1 }],
      ['q-multi', 2, 0, 2 / 3, { answer: 'a+b+c', count: 1 }],
      ['q-num', 3, 0, 1, undefined],
      ['q-single-c', 2, 1, 2 / 3, undefined],
    ]);
    expect(report.objectives.map((o) => [o.objective, o.questions, o.points, o.weakest])).toEqual([
      ['LO1', 2, 4, 'q-single-b'],
      ['LO2', 3, 6, 'q-multi'],
    ]);
  });
});
