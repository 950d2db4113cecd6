// The layers of the code base and what each may import (docs/architecture.md). ESLint turns this
// table into `import-x/no-restricted-paths` zones, so a wrong-way import fails CI; the table is
// also read by the test of the rule (test/architecture/layers.test.ts).
//
//   bin/, scripts/           entry points: may import every layer below
//   lib/ops/                 one module per ops command
//   lib/stacks/, lib/local/  compose constructs and charts (AWS), or run the charts' containers (local)
//   constructs/, cdk8s/      reusable CDK constructs; cdk8s charts
//   lib/config/              the cohort file: schema, rules, profiles
//   lib/core/                names, ports, prefixes, labels, tags, patterns, shared enums
//
// test/ may import anything; nothing else may import test/.

/** Each layer: its folders, and the other layers it may import (its own folders always). */
export const LAYERS = [
  { name: 'core', dirs: ['lib/core'], mayImport: [] },
  { name: 'config', dirs: ['lib/config'], mayImport: ['core'] },
  { name: 'constructs', dirs: ['constructs'], mayImport: ['core'] },
  // The config types reach the charts through the chart values only (CHART_VALUES_FILE, below).
  { name: 'charts', dirs: ['cdk8s'], mayImport: ['core', 'config'] },
  { name: 'stacks', dirs: ['lib/stacks'], mayImport: ['core', 'config', 'constructs', 'charts'] },
  { name: 'local', dirs: ['lib/local'], mayImport: ['core', 'config', 'constructs', 'charts'] },
  {
    name: 'ops',
    dirs: ['lib/ops'],
    mayImport: ['core', 'config', 'constructs', 'charts', 'stacks', 'local'],
  },
  {
    name: 'bin',
    dirs: ['bin'],
    mayImport: ['core', 'config', 'constructs', 'charts', 'stacks', 'local', 'ops'],
  },
  {
    name: 'scripts',
    dirs: ['scripts'],
    mayImport: ['core', 'config', 'constructs', 'charts', 'stacks', 'local', 'ops'],
  },
];

/** Folders of test code: no layer may import them. */
export const TEST_DIRS = ['test'];

/** Chart folders under cdk8s/: none imports another, nor the composition in cdk8s/index.ts. */
export const CHART_DIRS = ['cdk8s/mlflow', 'cdk8s/feast', 'cdk8s/namespaces', 'cdk8s/learner'];
/** Helpers every chart shares; they import no chart. */
export const CHART_COMMON_DIR = 'cdk8s/common';
/**
 * The one file of the charts layer that may take the config types: the chart values carry the
 * validated cohort (CohortConfig) into every chart.
 */
export const CHART_VALUES_FILE = 'cdk8s/common/values.ts';

/** `import-x/no-restricted-paths` zones for {@link LAYERS}, the chart folders and test code. */
export function layerZones() {
  const zones = [];
  for (const layer of LAYERS) {
    const allowed = new Set([layer.name, ...layer.mayImport]);
    const forbidden = LAYERS.filter((l) => !allowed.has(l.name)).flatMap((l) => l.dirs);
    for (const target of layer.dirs) {
      for (const from of [...forbidden, ...TEST_DIRS]) {
        zones.push({
          target: `./${target}`,
          from: `./${from}`,
          message: `Layer "${layer.name}" (${target}/) may import only ${[...allowed].join(', ')}: ${from}/ is ${
            TEST_DIRS.includes(from) ? 'test code' : 'not below it'
          } (docs/architecture.md).`,
        });
      }
    }
  }
  // Charts take the config types through the chart values only.
  const valuesFile = CHART_VALUES_FILE.slice(CHART_COMMON_DIR.length + 1).replace(/\.ts$/, '');
  for (const target of [...CHART_DIRS, `${CHART_COMMON_DIR}/!(${valuesFile}).ts`, 'cdk8s/index.ts']) {
    zones.push({
      target: `./${target}`,
      from: './lib/config',
      message: `Charts take the cohort config through ChartValues (${CHART_VALUES_FILE}), not from lib/config.`,
    });
  }
  // No chart imports another chart, nor the composition of all charts.
  for (const chart of CHART_DIRS) {
    for (const other of [...CHART_DIRS.filter((c) => c !== chart), 'cdk8s/index.ts']) {
      zones.push({
        target: `./${chart}`,
        from: `./${other}`,
        message: `A chart does not import another chart (${other}); shared names belong in lib/core, shared helpers in ${CHART_COMMON_DIR}/.`,
      });
    }
  }
  for (const other of [...CHART_DIRS, 'cdk8s/index.ts']) {
    zones.push({
      target: `./${CHART_COMMON_DIR}`,
      from: `./${other}`,
      message: `${CHART_COMMON_DIR}/ is shared by every chart and imports none of them.`,
    });
  }
  return zones;
}

/**
 * Lambda handler sources are bundled on their own by esbuild: they must not pull aws-cdk-lib or
 * the construct library into the function, so they import lib/core modules one by one (never its
 * index, which re-exports CDK helpers).
 */
export function lambdaImportRules() {
  return [
    {
      files: ['constructs/*/lambda/**/*.ts', 'constructs/**/*.handler.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [
              { name: 'aws-cdk-lib', message: 'Lambda code runs without aws-cdk-lib.' },
              { name: 'constructs', message: 'Lambda code runs without the construct library.' },
            ],
            patterns: [
              { group: ['aws-cdk-lib/*'], message: 'Lambda code runs without aws-cdk-lib.' },
              {
                regex: '(^|/)lib/core$',
                message: 'Import the lib/core module itself (e.g. lib/core/secret-kinds), not its index.',
              },
            ],
          },
        ],
      },
    },
  ];
}
