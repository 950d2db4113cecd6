import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  gradeAnswers,
  GradeInputError,
  loadKey,
  loadQuiz,
  renderAll,
  writeAtomically,
} from '../../../../lib/ops/grade';
import { gradeCommand } from '../../../../lib/ops/grade/command';
import { REPO_ROOT } from '../../../support/cohort';
import { testTempDir } from '../../../support/tmp';

const F = join('test', 'fixtures', 'quiz');
const QUIZ = join(F, 'quiz.yaml');
const KEY = join(F, 'key.yaml');
/** The demo cohort's roster: grace-hopper, alan-turing, katherine-johnson. */
const ROSTER = join('cohorts', 'demo.yaml');

/** A CSV file as rows of named fields, parsed by Python's csv module (an independent RFC 4180 reader). */
function parseCsv(file: string): Array<Record<string, string>> {
  const script =
    'import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline="")))))';
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Array<
    Record<string, string>
  >;
}

/** The rows of the Markdown table that follows `heading` (or the first table), as cells. */
function markdownTable(text: string, heading?: string): string[][] {
  const lines = text.split('\n');
  const start = heading === undefined ? 0 : lines.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start)) {
    if (line.startsWith('|'))
      rows.push(
        line
          .slice(1, -1)
          .split(' | ')
          .map((c) => c.trim()),
      );
    else if (rows.length > 0) break;
  }
  expect(rows[1].every((c) => c === '---')).toBe(true);
  return [rows[0], ...rows.slice(2)];
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof GradeInputError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a GradeInputError');
}

describe('the files cohort-lab grade writes', () => {
  const out = testTempDir('cohortlab-grade');
  const io = { out: jest.fn(), err: jest.fn() };
  const code = gradeCommand([join(F, 'answers')], { quiz: QUIZ, key: KEY, out, json: false }, io);

  test('exit 1 (cy failed), the summary on stdout, nothing on stderr', () => {
    expect(code).toBe(1);
    expect(io.err).not.toHaveBeenCalled();
    expect(io.out.mock.calls[0][0].split('\n').slice(0, 4)).toEqual([
      'TEST-1: 3 graded, 2 passed (pass at 80%).',
      '  ada          10/10  100.0%  pass',
      '  bob           8/10   80.0%  pass',
      '  cy          7.5/10   75.0%  FAIL',
    ]);
    expect(readdirSync(out).sort()).toEqual(['questions.csv', 'questions.md', 'results.csv', 'results.md']);
  });

  test('results.csv: one row per learner with score, percent, result and per-objective shares', () => {
    expect(parseCsv(join(out, 'results.csv'))).toEqual([
      {
        learner: 'ada',
        result: 'pass',
        score: '10',
        max_score: '10',
        percent: '100.0',
        LO1: '100.0',
        LO2: '100.0',
        file: join(F, 'answers', 'ada.yaml'),
      },
      {
        learner: 'bob',
        result: 'pass',
        score: '8',
        max_score: '10',
        percent: '80.0',
        LO1: '50.0',
        LO2: '100.0',
        file: join(F, 'answers', 'bob.yaml'),
      },
      {
        learner: 'cy',
        result: 'fail',
        score: '7.5',
        max_score: '10',
        percent: '75.0',
        LO1: '100.0',
        LO2: '58.3',
        file: join(F, 'answers', 'cy.yaml'),
      },
    ]);
  });

  test('results.md: the same rows in a table under the summary', () => {
    const text = readFileSync(join(out, 'results.md'), 'utf8');
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# TEST-1 Grading fixture: results',
      '',
      '3 graded, 2 passed, 1 failed. 5 questions, 10 points; pass at 80%.',
    ]);
    const [header, ...rows] = markdownTable(text);
    expect(header).toEqual(['learner', 'result', 'score', 'max_score', 'percent', 'LO1', 'LO2', 'file']);
    expect(rows.map((r) => r.slice(0, 7))).toEqual([
      ['ada', 'pass', '10', '10', '100.0', '100.0', '100.0'],
      ['bob', 'pass', '8', '10', '80.0', '50.0', '100.0'],
      ['cy', 'fail', '7.5', '10', '75.0', '100.0', '58.3'],
    ]);
  });

  test('questions.csv and questions.md: per question and per objective, and never the key', () => {
    const rows = parseCsv(join(out, 'questions.csv'));
    expect(
      rows.map((r) => [
        r.question,
        r.correct,
        r.correct_percent,
        r.mean_credit_percent,
        r.most_common_wrong,
        r.most_common_wrong_count,
      ]),
    ).toEqual([
      ['q-single-a', '3', '100.0', '100.0', '', ''],
      ['q-single-b', '2', '66.6', '66.6', 'b', '1'],
      ['q-multi', '2', '66.6', '83.3', 'a+b+c', '1'],
      ['q-num', '3', '100.0', '100.0', '', ''],
      ['q-single-c', '2', '66.6', '66.6', '', ''],
    ]);
    const md = readFileSync(join(out, 'questions.md'), 'utf8');
    expect(markdownTable(md, '## Per objective')).toEqual([
      ['objective', 'text', 'questions', 'points', 'mean_credit_percent', 'weakest_question'],
      ['LO1', 'Registry', '2', '4', '83.3', 'q-single-b'],
      ['LO2', 'Drift', '3', '6', '86.1', 'q-multi'],
    ]);
    expect(
      markdownTable(md, '## Per question')
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(rows.map((r) => r.question));
    expect(md).not.toMatch(/purple giraffes/);
  });

  test('a field with a comma or a quote is quoted so that a CSV reader gets it back whole', () => {
    // GIVEN the report of the fixtures with an objective text holding a comma and quotes
    const report = gradeAnswers({ quizFile: QUIZ, keyFile: KEY, answers: [join(F, 'answers')] });
    const odd = { ...report, scores: report.scores.map((s) => ({ ...s, file: 'a "b", c.yaml' })) };
    // WHEN written and read back
    const dir = testTempDir('cohortlab-grade-csv');
    writeAtomically(dir, renderAll(odd));
    // THEN the field is intact
    expect(parseCsv(join(dir, 'results.csv')).map((r) => r.file)).toEqual([
      'a "b", c.yaml',
      'a "b", c.yaml',
      'a "b", c.yaml',
    ]);
  });
});

describe('bad answer files', () => {
  test.each<[string, string[], string | undefined, string[]]>([
    [
      'a question is missing',
      ['bad/missing-question.yaml'],
      undefined,
      ['bad/missing-question.yaml: answers.q-single-c: is missing; write "q-single-c: ~" to leave it blank'],
    ],
    [
      'an id is not a question of the quiz',
      ['bad/unknown-id.yaml'],
      undefined,
      ['bad/unknown-id.yaml: answers.q-singel-c: is not a question of TEST-1; did you mean "q-single-c"?'],
    ],
    [
      'the YAML does not parse',
      ['bad/syntax.yaml'],
      undefined,
      [
        'bad/syntax.yaml: is not valid YAML: line 4, column 3: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ],
    ],
    [
      'a question is answered twice',
      ['bad/duplicate-key.yaml'],
      undefined,
      ['bad/duplicate-key.yaml: is not valid YAML: line 8, column 3: the key "q-single-a" is written twice'],
    ],
    [
      'answers have the wrong types',
      ['bad/wrong-types.yaml'],
      undefined,
      [
        'bad/wrong-types.yaml: answers.q-single-a: must be one option id (a, b, c): single-choice question (got ["b"])',
        'bad/wrong-types.yaml: answers.q-single-b: must be one option id (a, b): single-choice question (got 1)',
        'bad/wrong-types.yaml: answers.q-multi: must be a list of option ids, such as [a, b]: multiple-choice question (got "a")',
        'bad/wrong-types.yaml: answers.q-num: must be a number (numeric question) (got "0.25")',
      ],
    ],
    [
      'options are unknown or listed twice',
      ['bad/unknown-option.yaml'],
      undefined,
      [
        'bad/unknown-option.yaml: answers.q-single-a: is not an option of q-single-a (a, b, c) (got "d")',
        'bad/unknown-option.yaml: answers.q-multi[1]: lists an option a second time (got "a")',
        'bad/unknown-option.yaml: answers.q-multi[2]: is not an option of q-multi (a, b, c, d) (got "e")',
      ],
    ],
    [
      'the learner is not named',
      ['bad/no-learner.yaml'],
      undefined,
      ['bad/no-learner.yaml: learner: is required: the slug of the learner who answered'],
    ],
    [
      'the learner is not a slug and answers is misspelt',
      ['bad/bad-learner.yaml'],
      undefined,
      [
        'bad/bad-learner.yaml: anwsers: is not a known field; did you mean "answers"?',
        'bad/bad-learner.yaml: learner: must be a learner slug (lowercase letters, digits and -) (got "Dee Smith")',
        'bad/bad-learner.yaml: answers: is required: one entry per question id of the quiz',
      ],
    ],
    [
      'the file is a list, not a mapping',
      ['bad/not-mapping.yaml'],
      undefined,
      ['bad/not-mapping.yaml: must be a mapping with the fields learner and answers (got ["b","a"])'],
    ],
    [
      'the learner is not on the roster',
      ['bad/not-on-roster.yaml'],
      ROSTER,
      [
        'bad/not-on-roster.yaml: learner: is not a learner of cohort demo-2027-spring; did you mean "grace-hopper"? (got "grace-hoper")',
      ],
    ],
    [
      'two files answer for one learner',
      ['twice'],
      undefined,
      [
        'twice/ada.yaml: learner: is also the learner of test/fixtures/quiz/twice/ada-again.yaml: one answer file per learner (got "ada")',
      ],
    ],
    ['a file does not exist', ['bad/nobody.yaml'], undefined, ['bad/nobody.yaml: cannot be read (ENOENT)']],
    [
      'two bad files among good ones: every problem of both',
      ['answers', 'bad/no-learner.yaml', 'bad/missing-question.yaml'],
      undefined,
      [
        'bad/no-learner.yaml: learner: is required: the slug of the learner who answered',
        'bad/missing-question.yaml: answers.q-single-c: is missing; write "q-single-c: ~" to leave it blank',
      ],
    ],
  ])('fails when %s', (_, inputs, roster, expected) => {
    // GIVEN the fixture quiz and key, and the answer files
    const out = join(testTempDir('cohortlab-grade-bad'), 'grades');
    const io = { out: jest.fn(), err: jest.fn() };
    // WHEN they are graded
    const code = gradeCommand(
      inputs.map((i) => join(F, i)),
      { quiz: QUIZ, key: KEY, out, json: false, roster },
      io,
    );
    // THEN exit 2, every problem with file, field and value, and nothing written
    expect(code).toBe(2);
    const lines = (io.err.mock.calls[0][0] as string).split('\n');
    expect(lines).toEqual([
      `Nothing graded, nothing written: ${expected.length} problem(s) to fix.`,
      ...expected.map((e) => `${F}/${e}`),
    ]);
    expect(io.out).not.toHaveBeenCalled();
    expect(existsSync(out)).toBe(false);
  });

  test('fails on a bad file without touching the results of the last good run', () => {
    // GIVEN the results of a good run in the output directory
    const out = testTempDir('cohortlab-grade-keep');
    const io = { out: jest.fn(), err: jest.fn() };
    gradeCommand([join(F, 'answers')], { quiz: QUIZ, key: KEY, out, json: false }, io);
    const before = readdirSync(out).map((n) => readFileSync(join(out, n), 'utf8'));
    // WHEN a run with a bad file is refused
    expect(
      gradeCommand(
        [join(F, 'answers', 'ada.yaml'), join(F, 'bad', 'syntax.yaml')],
        { quiz: QUIZ, key: KEY, out, json: false },
        io,
      ),
    ).toBe(2);
    // THEN the directory holds exactly the earlier files, byte for byte, and no temporary file
    expect(readdirSync(out).map((n) => readFileSync(join(out, n), 'utf8'))).toEqual(before);
    expect(readdirSync(out).sort()).toEqual(['questions.csv', 'questions.md', 'results.csv', 'results.md']);
  });

  test('a roster learner without an answer file is listed as such (a finding, exit 1)', () => {
    // GIVEN a roster of ada, bob, cy and dee, and answers from the first three
    const dir = testTempDir('cohortlab-grade-roster');
    const report = gradeAnswers({
      quizFile: QUIZ,
      keyFile: KEY,
      answers: [join(F, 'answers')],
      roster: { name: 'demo', learners: ['dee', 'ada', 'bob', 'cy'] },
    });
    // WHEN written
    writeAtomically(dir, renderAll(report));
    // THEN dee is a row with result "no answers"
    expect(report.missing).toEqual(['dee']);
    expect(parseCsv(join(dir, 'results.csv')).map((r) => [r.learner, r.result, r.score])).toEqual([
      ['ada', 'pass', '10'],
      ['bob', 'pass', '8'],
      ['cy', 'fail', '7.5'],
      ['dee', 'no answers', ''],
    ]);
  });
});

describe('the quiz and its key must agree', () => {
  test('fails when a quiz question carries an answer (the quiz is strict, so a key cannot slip into it)', () => {
    expect(problemsOf(() => loadQuiz(join(F, 'quiz-with-answers.yaml')))).toEqual([
      `${F}/quiz-with-answers.yaml: questions[0].answer: is not a known field (got "answer")`,
    ]);
  });

  test('fails when the quiz cross-references are wrong', () => {
    // GIVEN the quiz-with-answers fixture without its answer: an unknown objective, an option id twice, an objective with no question
    const file = join(testTempDir('cohortlab-grade-quiz'), 'quiz.yaml');
    writeFileSync(
      file,
      readFileSync(join(REPO_ROOT, F, 'quiz-with-answers.yaml'), 'utf8').replace('    answer: b\n', ''),
    );
    expect(problemsOf(() => loadQuiz(file))).toEqual([
      `${file}: questions[0].objective: is not an objective of the quiz (LO1, LO2); did you mean "LO1"? (got "LO3")`,
      `${file}: questions[0].options[1].id: repeats the id of questions[0].options[0].id (got "a")`,
      `${file}: objectives: objective LO1 has no question`,
      `${file}: objectives: objective LO2 has no question`,
    ]);
  });

  test('fails when the key is for another quiz, misses a question, or names options that do not exist', () => {
    expect(problemsOf(() => loadKey(join(F, 'key-inconsistent.yaml'), loadQuiz(QUIZ)))).toEqual([
      `${F}/key-inconsistent.yaml: quiz: is the key of another quiz; the quiz is TEST-1 (got "TEST-2")`,
      `${F}/key-inconsistent.yaml: answers.q-extra: is not a question of the quiz`,
      `${F}/key-inconsistent.yaml: answers.q-single-a.answer: is not an option of q-single-a (a, b, c) (got "e")`,
      `${F}/key-inconsistent.yaml: answers.q-single-b: is missing: every question needs its answer`,
      `${F}/key-inconsistent.yaml: answers.q-multi.answer: must be a list of option ids: q-multi is multiple-choice (got "b")`,
      `${F}/key-inconsistent.yaml: answers.q-num.answer: must be a number: q-num is numeric (got ["a"])`,
    ]);
  });

  test('the key is checked before any answer file is read', () => {
    const out = join(testTempDir('cohortlab-grade-key'), 'grades');
    mkdirSync(join(out, '..'), { recursive: true });
    const io = { out: jest.fn(), err: jest.fn() };
    expect(
      gradeCommand(
        [join(F, 'bad', 'syntax.yaml')],
        { quiz: QUIZ, key: join(F, 'key-inconsistent.yaml'), out, json: false },
        io,
      ),
    ).toBe(2);
    expect((io.err.mock.calls[0][0] as string).split('\n')[0]).toBe(
      'Nothing graded, nothing written: 6 problem(s) to fix.',
    );
    expect(existsSync(out)).toBe(false);
  });
});
