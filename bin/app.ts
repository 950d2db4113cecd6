#!/usr/bin/env node
// CDK app entry: load the cohort file named by `-c cohort=<file>` and create its stacks
// (context keys: lib/stacks/cohort-app.ts loadCohortFromContext).
import './exit-safely';
import { App } from 'aws-cdk-lib';
import { CohortConfigError } from '../lib/config';
import { addCohortStacks, loadCohortFromContext } from '../lib/stacks/cohort-app';
import { enablePolicyChecks } from '../lib/stacks/policy-checks';

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
