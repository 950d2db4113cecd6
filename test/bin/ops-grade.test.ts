import { spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CLI_TIMEOUT_MS, REPO_ROOT } from '../support/cohort';
import { testTempDir } from '../support/tmp';

const F = join('test', 'fixtures', 'quiz');
const QUIZ_ARGS = ['--quiz', join(F, 'quiz.yaml'), '--key', join(F, 'key.yaml')];

/** Run `cohort-lab grade <args>` as `npm run ops` does (tsx bin/ops.ts). */
function grade(args: string[]) {
  const run = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(REPO_ROOT, 'bin', 'ops.ts'),
      'grade',
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: CLI_TIMEOUT_MS,
      env: { ...process.env, COHORT_LAB_DEBUG: '' },
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.split('\n').filter((l) => l !== '') };
}

/** A directory holding copies of the named fixture answer files. */
function answersDir(...names: string[]): string {
  const dir = testTempDir('cohortlab-cli-answers');
  for (const n of names) writeFileSync(join(dir, n), readFileSync(join(REPO_ROOT, F, 'answers', n)));
  return dir;
}

describe('cohort-lab grade, run as a process', () => {
  test('exit 0 when every learner passes (80% exactly included), the four files written', () => {
    // GIVEN ada (100%) and bob (80%)
    const out = join(testTempDir('cohortlab-cli-grade'), 'grades');
    // WHEN graded
    const run = grade([answersDir('ada.yaml', 'bob.yaml'), ...QUIZ_ARGS, '--out', out]);
    // THEN
    expect(run.stderr).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('TEST-1: 2 graded, 2 passed (pass at 80%).');
    expect(readdirSync(out).sort()).toEqual(['questions.csv', 'questions.md', 'results.csv', 'results.md']);
  }, 60_000);

  test('exit 1 when someone fails (75%), the results still written; --json for scripts', () => {
    const out = testTempDir('cohortlab-cli-grade');
    const run = grade([join(F, 'answers'), ...QUIZ_ARGS, '--out', out, '--json']);
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.stdout) as {
      learners: Array<{ learner: string; percent: number; passed: boolean }>;
      written: string[];
    };
    expect(doc.learners.map((l) => [l.learner, l.percent, l.passed])).toEqual([
      ['ada', 100, true],
      ['bob', 80, true],
      ['cy', 75, false],
    ]);
    expect(doc.written).toEqual(
      ['results.csv', 'results.md', 'questions.csv', 'questions.md'].map((n) => join(out, n)),
    );
  }, 60_000);

  test('exit 1 when a learner of the --roster cohort has no answer file', () => {
    // GIVEN grace-hopper's answers (all right) and the demo cohort's roster of three
    const dir = testTempDir('cohortlab-cli-roster');
    const ada = readFileSync(join(REPO_ROOT, F, 'answers', 'ada.yaml'), 'utf8');
    writeFileSync(join(dir, 'grace.yaml'), ada.replace('learner: ada', 'learner: grace-hopper'));
    const out = testTempDir('cohortlab-cli-grade');
    // WHEN graded with the roster
    const run = grade([dir, ...QUIZ_ARGS, '--roster', join('cohorts', 'demo.yaml'), '--out', out]);
    // THEN the two others are listed as without an answer file
    expect(run.status).toBe(1);
    expect(run.stdout.split('\n').slice(0, 4)).toEqual([
      'TEST-1: 1 graded, 1 passed (pass at 80%).',
      '  grace-hopper           10/10  100.0%  pass',
      '  alan-turing        no answer file',
      '  katherine-johnson  no answer file',
    ]);
  }, 60_000);

  test.each([
    [
      'an answer file is bad',
      [join(F, 'bad', 'missing-question.yaml'), ...QUIZ_ARGS],
      [
        'Nothing graded, nothing written: 1 problem(s) to fix.',
        `${F}/bad/missing-question.yaml: answers.q-single-c: is missing; write "q-single-c: ~" to leave it blank`,
      ],
    ],
    [
      'the key is not where --key says',
      [join(F, 'answers'), '--quiz', join(F, 'quiz.yaml'), '--key', 'nowhere/key.yaml'],
      ['Nothing graded, nothing written: 1 problem(s) to fix.', 'nowhere/key.yaml: cannot be read (ENOENT)'],
    ],
    [
      'the answers directory holds no answer file',
      ['EMPTY', ...QUIZ_ARGS],
      [
        'Nothing graded, nothing written: 1 problem(s) to fix.',
        'EMPTY: holds no answer file (*.yaml or *.yml)',
      ],
    ],
    [
      'the key and the quiz are among the answer files',
      [join(F, 'answers'), join(F, 'key.yaml'), join(F, 'quiz.yaml'), ...QUIZ_ARGS],
      [
        'Nothing graded, nothing written: 2 problem(s) to fix.',
        `${F}/key.yaml: is the answer key, not an answer file: keep it out of the answers`,
        `${F}/quiz.yaml: is a quiz, not an answer file`,
      ],
    ],
    [
      '--out is inside labs/, which learners receive',
      [join(F, 'answers'), ...QUIZ_ARGS, '--out', join('labs', 'quiz', 'grades')],
      [
        'Nothing graded, nothing written: 1 problem(s) to fix.',
        `--out: is inside labs/, which learners receive; write the results elsewhere (got "${join('labs', 'quiz', 'grades')}")`,
      ],
    ],
    [
      'the roster is not a cohort file',
      [join(F, 'answers'), ...QUIZ_ARGS, '--roster', join(F, 'quiz.yaml')],
      [
        'Invalid cohort file:',
        `${F}/quiz.yaml: cohort: is required`,
        `${F}/quiz.yaml: profile: is required`,
        `${F}/quiz.yaml: course: is required`,
        `${F}/quiz.yaml: learners: is required`,
        `${F}/quiz.yaml: module: is not a known field (got "module")`,
        `${F}/quiz.yaml: passPercent: is not a known field (got "passPercent")`,
        `${F}/quiz.yaml: objectives: is not a known field (got "objectives")`,
        `${F}/quiz.yaml: questions: is not a known field (got "questions")`,
      ],
    ],
  ])(
    'fails when %s: exit 2, nothing written',
    (_, args, expected) => {
      // GIVEN the bad input; WHEN graded; THEN exit 2, the whole message, no output directory
      const empty = testTempDir('cohortlab-cli-empty');
      const given = args.indexOf('--out');
      const out =
        given >= 0 ? join(REPO_ROOT, args[given + 1]) : join(testTempDir('cohortlab-cli-grade'), 'grades');
      const run = grade([
        ...args.map((a) => (a === 'EMPTY' ? empty : a)),
        ...(given >= 0 ? [] : ['--out', out]),
      ]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toEqual(expected.map((line) => line.replace('EMPTY', empty)));
      expect(existsSync(out)).toBe(false);
    },
    60_000,
  );
});
