#!/usr/bin/env node
// cdk8s app entry (cdk8s.yaml): the cohort's manifests for an existing cluster.
// COHORT_FILE names the cohort file, COHORT_ENVIRONMENT the environment file with the AWS-side
// values (bucket, database endpoint, images, OIDC issuer); both default to the demo cohort's.
// COHORT_TODAY (YYYY-MM-DD) fixes the date used for the expiry check, for reproducible CI runs.
import { App } from 'cdk8s';
import { addCohortCharts } from '../cdk8s/charts';
import { loadEnvironmentFile } from '../cdk8s/environment';
import { chartValues } from '../cdk8s/values';
import { CohortConfigError, loadCohortFile } from '../lib/config';

try {
  const config = loadCohortFile(process.env.COHORT_FILE ?? 'cohorts/demo.yaml', {
    today: process.env.COHORT_TODAY,
  });
  const infra = loadEnvironmentFile(process.env.COHORT_ENVIRONMENT ?? 'cohorts/demo.environment.json');
  const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist', outputFileExtension: '.k8s.yaml' });
  addCohortCharts(app, chartValues(config, infra));
  app.synth();
} catch (err) {
  if (err instanceof CohortConfigError) {
    console.error(`Invalid input:\n${err.message}`);
    process.exit(2);
  }
  throw err;
}
