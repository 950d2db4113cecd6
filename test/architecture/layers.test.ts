import { execFileSync } from 'child_process';
import { join } from 'path';

/**
 * The layer rule (eslint.layers.mjs, docs/architecture.md) run for real: ESLint with the
 * project's own config lints source text as if it sat at a path in the tree, and each wrong-way
 * import must be refused by `import-x/no-restricted-paths` while each right-way import passes.
 */
const REPO_ROOT = join(__dirname, '..', '..');

interface Case {
  readonly file: string;
  readonly code: string;
}

/** Lint each case's code as the file it names; returns the rule ids reported per case. */
function lint(cases: readonly Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const cases = JSON.parse(process.argv[1]);
      const out = [];
      for (const c of cases) {
        const [result] = await eslint.lintText(c.code, { filePath: c.file });
        out.push(result.messages.map((m) => m.ruleId));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const stdout = execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as string[][];
}

const wrongWay: ReadonlyArray<[string, Case]> = [
  [
    'a construct imports the config',
    { file: 'constructs/probe/index.ts', code: "import { loadCohortFile } from '../../lib/config';" },
  ],
  [
    'a construct imports a chart',
    { file: 'constructs/probe/index.ts', code: "import { MlflowChart } from '../../cdk8s/mlflow';" },
  ],
  [
    'a chart imports another chart',
    { file: 'cdk8s/mlflow/probe.ts', code: "import { FeastChart } from '../feast';" },
  ],
  [
    'a chart imports a CDK construct',
    {
      file: 'cdk8s/feast/probe.ts',
      code: "import { ArtifactBucket } from '../../constructs/artifact-bucket';",
    },
  ],
  [
    'a chart imports the config directly',
    { file: 'cdk8s/feast/probe.ts', code: "import type { CohortConfig } from '../../lib/config';" },
  ],
  [
    'a chart helper imports the config',
    { file: 'cdk8s/common/probe.ts', code: "import type { CohortConfig } from '../../lib/config';" },
  ],
  [
    'the chart helpers import a chart',
    { file: 'cdk8s/common/probe.ts', code: "import { NamespaceChart } from '../namespaces';" },
  ],
  ['core imports the config', { file: 'lib/core/probe.ts', code: "import { Profile } from '../config';" }],
  [
    'config imports a stack',
    { file: 'lib/config/probe.ts', code: "import { DataStack } from '../stacks/data-stack';" },
  ],
  [
    'a stack imports an ops command',
    { file: 'lib/stacks/probe.ts', code: "import { planCohort } from '../ops/plan';" },
  ],
  [
    'a script imports test code',
    { file: 'scripts/probe.ts', code: "import { TODAY } from '../test/support/cohort';" },
  ],
  [
    'product code imports test code',
    { file: 'lib/local/probe.ts', code: "import { TODAY } from '../../test/support/cohort';" },
  ],
];

const rightWay: ReadonlyArray<[string, Case]> = [
  [
    'a construct imports core',
    { file: 'constructs/probe/index.ts', code: "import { LAB_TAG } from '../../lib/core';" },
  ],
  [
    'the chart values take the config types',
    { file: 'cdk8s/common/values.ts', code: "import type { CohortConfig } from '../../lib/config';" },
  ],
  [
    'a stack imports a construct and a chart',
    {
      file: 'lib/stacks/probe.ts',
      code: "import { ArtifactBucket } from '../../constructs/artifact-bucket';\nimport { addCohortCharts } from '../../cdk8s';",
    },
  ],
  [
    'a test imports anything',
    { file: 'test/probe.test.ts', code: "import { planCohort } from '../lib/ops/plan';" },
  ],
];

describe('the layer rule', () => {
  // GIVEN every case linted in one ESLint run with the project's config
  const all = [...wrongWay, ...rightWay].map(([, c]) => ({
    ...c,
    code: `${c.code}\nexport const probe = 1;\n`,
  }));
  let results: string[][];
  beforeAll(() => {
    results = lint(all);
  }, 60_000);

  test.each(wrongWay.map(([name], i) => [name, i] as const))('fails when %s', (_name, i) => {
    // THEN the wrong-way import is reported by the layer rule
    expect(results[i]).toContain('import-x/no-restricted-paths');
  });

  test.each(rightWay.map(([name], i) => [name, wrongWay.length + i] as const))(
    'passes when %s',
    (_name, i) => {
      // THEN the right-way import is not
      expect(results[i]).not.toContain('import-x/no-restricted-paths');
    },
  );
});
