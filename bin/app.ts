#!/usr/bin/env node
// CDK app entry: load the cohort file named by `-c cohort=<file>` and create its stacks
// (context keys: lib/app.ts loadCohortFromContext).
import { App } from 'aws-cdk-lib';
import { addCohortStacks, loadCohortFromContext } from '../lib/app';
import { CohortConfigError } from '../lib/config';
import { enablePolicyChecks } from '../lib/policy/checks';

const app = new App();
try {
  const config = loadCohortFromContext(app);
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
