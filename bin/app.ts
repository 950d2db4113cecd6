#!/usr/bin/env node
// CDK app entry: load the cohort file named by `-c cohort=<file>` and create its stacks.
import { App } from 'aws-cdk-lib';
import { addCohortStacks } from '../lib/app';
import { CohortConfigError, loadCohortFile } from '../lib/config';
import { enablePolicyChecks } from '../lib/policy/checks';

const app = new App();
const file = (app.node.tryGetContext('cohort') as string | undefined) ?? 'cohorts/demo.yaml';
try {
  const config = loadCohortFile(file);
  enablePolicyChecks(app);
  addCohortStacks(app, config);
  app.synth();
} catch (err) {
  if (err instanceof CohortConfigError) {
    console.error(`Invalid cohort file:\n${err.message}`);
    process.exit(2);
  }
  throw err;
}
