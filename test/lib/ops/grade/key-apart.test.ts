/**
 * The key is kept apart from what learners are handed: everything under labs/ (the quiz, the
 * template, the labs), the images' build contexts, and every welcome sheet, JSON document and .env
 * `cohort-lab welcome` writes for the demo cohort. The check is proven able to fail: a key fragment
 * planted in any of those forms is caught.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import { parse, stringify } from 'yaml';
import {
  answeredIds,
  DEFAULT_KEY_FILE,
  DEFAULT_QUIZ_FILE,
  gradeAnswers,
  keyLeaks,
  loadKey,
  loadQuiz,
  QuestionType,
} from '../../../../lib/ops/grade';
import { welcomeSheets } from '../../../../lib/ops/welcome';
import { renderEnv, renderJson, renderSheet } from '../../../../lib/ops/welcome-text';
import { loadCohort, REPO_ROOT } from '../../../support/cohort';
import { testTempDir } from '../../../support/tmp';

const quiz = loadQuiz(join(REPO_ROOT, DEFAULT_QUIZ_FILE));
const key = loadKey(join(REPO_ROOT, DEFAULT_KEY_FILE), quiz);

/** Every text file under `dir` (caches and binary files aside), with its path from the repo root. */
function textFiles(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (name === '__pycache__' || name === 'node_modules') continue;
    if (statSync(full).isDirectory()) {
      out.push(...textFiles(full));
      continue;
    }
    const bytes = readFileSync(full);
    if (!bytes.includes(0)) out.push({ path: relative(REPO_ROOT, full), text: bytes.toString('utf8') });
  }
  return out;
}

/** What `cohort-lab welcome cohorts/demo.yaml` prints and writes, for every person of the roster. */
function welcomeOutputs(): Array<{ path: string; text: string }> {
  const sheets = welcomeSheets(loadCohort(join('cohorts', 'demo.yaml')));
  const people = sheets.map((sheet) => ({ sheet, envFile: `welcome/${sheet.slug}.env` }));
  return [
    ...people.map(({ sheet, envFile }) => ({
      path: `welcome sheet of ${sheet.slug}`,
      text: renderSheet(sheet, envFile),
    })),
    ...people.map(({ sheet, envFile }) => ({ path: envFile, text: renderEnv(sheet) })),
    { path: 'welcome --json', text: renderJson('cohorts/demo.yaml', people) },
  ];
}

const handedOut = [
  ...textFiles(join(REPO_ROOT, 'labs')),
  ...textFiles(join(REPO_ROOT, 'images')),
  ...welcomeOutputs(),
];

describe('the MOD-106 quiz and its key', () => {
  test('at least 20 questions, each on one objective of the quiz, every objective asked, the key complete', () => {
    // (loadQuiz and loadKey above refuse unknown objectives, objectives without a question, and a key missing a question)
    expect(quiz.module.id).toBe('MOD-106');
    expect(quiz.passPercent).toBe(80);
    expect(quiz.questions.length).toBeGreaterThanOrEqual(20);
    expect(new Set(quiz.questions.map((q) => q.objective))).toEqual(
      new Set(quiz.objectives.map((o) => o.id)),
    );
    expect(Object.keys(key.answers).sort()).toEqual(quiz.questions.map((q) => q.id).sort());
  });

  test("the learners' template lists every question id, blank, in the quiz's order", () => {
    const template = parse(
      readFileSync(join(REPO_ROOT, 'labs', 'quiz', 'answers.template.yaml'), 'utf8'),
    ) as {
      answers: Record<string, null>;
    };
    expect(Object.entries(template.answers)).toEqual(quiz.questions.map((q) => [q.id, null]));
  });

  test("answers written from the key score 100%, and the template's blanks 0%", () => {
    // GIVEN an answer file made from the key, and the template as handed out
    const dir = testTempDir('cohortlab-quiz-full');
    const answers = Object.fromEntries(quiz.questions.map((q) => [q.id, key.answers[q.id].answer]));
    writeFileSync(join(dir, 'full.yaml'), stringify({ learner: 'ada', answers }));
    const blank = readFileSync(join(REPO_ROOT, 'labs', 'quiz', 'answers.template.yaml'), 'utf8').replace(
      'learner: your-slug',
      'learner: bob',
    );
    writeFileSync(join(dir, 'blank.yaml'), blank);
    // WHEN graded against the real quiz and key
    const report = gradeAnswers({
      quizFile: join(REPO_ROOT, DEFAULT_QUIZ_FILE),
      keyFile: join(REPO_ROOT, DEFAULT_KEY_FILE),
      answers: [dir],
    });
    // THEN
    expect(report.scores.map((s) => [s.learner, s.percent, s.passed])).toEqual([
      ['ada', 100, true],
      ['bob', 0, false],
    ]);
    expect(quiz.questions.filter((q) => q.type === QuestionType.NUMERIC).length).toBeGreaterThan(0);
  });
});

describe('nothing a learner is handed contains the key', () => {
  test('labs/, the image build contexts and every welcome output are free of it', () => {
    // GIVEN what learners receive (and proof that the scan covers it)
    const paths = handedOut.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'labs/quiz/quiz.yaml',
        'labs/quiz/answers.template.yaml',
        'images/mlflow/Dockerfile',
        'welcome/grace-hopper.env',
        'welcome --json',
      ]),
    );
    // WHEN searched for the key
    // THEN nothing is found
    expect(keyLeaks(key, handedOut)).toEqual([]);
  });

  const explanation = key.answers['registry-aliases-vs-stages'].explanation as string;
  test.each<[string, (text: string) => string, string]>([
    [
      'the key file copied whole',
      () => readFileSync(join(REPO_ROOT, DEFAULT_KEY_FILE), 'utf8'),
      'holds a quiz key (kind: quiz-key)',
    ],
    [
      'twelve words of an explanation, recased and repunctuated',
      (text) => `${text}\n\nNote: ${explanation.split(/\s+/).slice(3, 15).join('  ').toUpperCase()}!\n`,
      "holds the key's explanation of registry-aliases-vs-stages",
    ],
    [
      'three answers beside their ids, as YAML',
      (text) =>
        `${text}\n# cheat sheet\nregistry-alias-uri: b\naccess-edit-vs-manage: c   # MANAGE\ndrift-psi-value: 0.169\n`,
      "holds the key's answers of 3 questions (registry-alias-uri, access-edit-vs-manage, drift-psi-value)",
    ],
    [
      'three answers beside their ids, as JSON',
      (text) =>
        `${text}\n{"tracking-run-contents": ["c", "b", "a"], "secrets-where": ["a", "b"], "iac-template-limit": 500}\n`,
      "holds the key's answers of 3 questions (tracking-run-contents, secrets-where, iac-template-limit)",
    ],
  ])('catches %s planted in a lab file', (_, plant, reason) => {
    // GIVEN the handed-out files with one of them tampered with
    const target = handedOut.find((f) => f.path === 'labs/feature_repo/README.md');
    expect(target).toBeDefined();
    const tampered = handedOut.map((f) => (f === target ? { ...f, text: plant(f.text) } : f));
    // WHEN searched
    // THEN that file, and only it, is reported, first with the reason the plant gives
    const leaks = keyLeaks(key, tampered);
    expect(leaks[0]).toEqual({ file: 'labs/feature_repo/README.md', reason });
    expect(leaks.filter((l) => l.file !== 'labs/feature_repo/README.md')).toEqual([]);
  });

  test('catches the key in a welcome .env too', () => {
    const tampered = handedOut.map((f) =>
      f.path === 'welcome/alan-turing.env'
        ? { ...f, text: `${f.text}\n# ${key.answers['drift-large-sample'].explanation}\n` }
        : f,
    );
    expect(keyLeaks(key, tampered)).toEqual([
      { file: 'welcome/alan-turing.env', reason: "holds the key's explanation of drift-large-sample" },
    ]);
  });

  test('two answer lines, or wrong answers beside ids, are not counted as the key', () => {
    // GIVEN a learner-style note: two right answers, and three ids with answers that are not the key's
    const note =
      'registry-alias-uri: b\naccess-edit-vs-manage: c\ncicd-canary: b\ndrift-psi-value: 0.2\nfeast-permissions: a\n';
    // THEN the two are seen, and the threshold of three is not reached
    expect(answeredIds(note, key)).toEqual(['registry-alias-uri', 'access-edit-vs-manage']);
    expect(keyLeaks(key, [{ path: 'note', text: note }])).toEqual([]);
  });
});
