#!/usr/bin/env node
// cdk8s app entry (cdk8s.yaml): the cohort's manifests for an existing cluster.
// COHORT_ENVIRONMENT (required) names the environment file with the AWS-side values of that
// cluster (bucket, database endpoint, images, OIDC issuer): there is no sensible default, since a
// manifest built for another cluster's bucket and database would deploy and then fail.
// COHORT_FILE names the cohort file (default cohorts/demo.yaml); COHORT_TODAY (YYYY-MM-DD) fixes
// the date used for the expiry check, for reproducible CI runs.
import './exit-safely';
import { App } from 'cdk8s';
import { addCohortCharts, addLearnerChart, chartValues, ImageSource, infraFromEnvironment } from '../cdk8s';
import { CohortConfigError, loadCohortFile, loadEnvironmentFile } from '../lib/config';
import { partitionOfRegion, personRoleArn } from '../lib/core';

const environmentFile = process.env.COHORT_ENVIRONMENT;
if (environmentFile === undefined || environmentFile.trim() === '') {
  console.error(
    'COHORT_ENVIRONMENT is not set: name the environment file of the cluster the manifests are for, ' +
      'e.g. COHORT_ENVIRONMENT=cohorts/demo.environment.json (the demo values; see README, "Standalone manifests").',
  );
  process.exit(2);
}
try {
  const config = loadCohortFile(process.env.COHORT_FILE ?? 'cohorts/demo.yaml', {
    today: process.env.COHORT_TODAY,
  });
  const environment = loadEnvironmentFile(environmentFile);
  const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist', outputFileExtension: '.k8s.yaml' });
  addCohortCharts(app, chartValues(config, infraFromEnvironment(environment)));
  // Each learner's own space, reading the learner's secret as the learner's role (a fixed name).
  const partition = partitionOfRegion(environment.region);
  // Lab 3's drift CronJob per learner, when the environment names its image and the alert topic.
  const monitoringImage = environment.images.monitoring;
  const drift =
    monitoringImage !== undefined && environment.alertTopicArn !== undefined
      ? {
          image: monitoringImage,
          imageSource: ImageSource.ENVIRONMENT_FILE,
          schedule: config.drift.schedule,
          alertTopicArn: environment.alertTopicArn,
          feastProject: config.feast.project,
          artifactBucketName: environment.artifactBucketName,
        }
      : undefined;
  for (const learner of config.learners) {
    const roleArn = personRoleArn(partition, environment.account, config.name, learner.slug);
    addLearnerChart(
      app,
      config.name,
      environment.region,
      learner,
      roleArn,
      { image: environment.images.mlflow, source: ImageSource.ENVIRONMENT_FILE },
      drift,
    );
  }
  app.synth();
} catch (err) {
  if (err instanceof CohortConfigError) {
    console.error(`Invalid input:\n${err.message}`);
    process.exit(2);
  }
  throw err;
}
