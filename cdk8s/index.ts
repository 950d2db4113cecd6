import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  COHORT_NAMESPACE,
  EXTERNAL_SECRETS,
  mlflowInClusterUrl,
  personalExperimentName,
  secretNames,
} from '../lib/core';
import { imageDigestExceptions } from './common/checkov';
import { ChartValues, ImageSource, imageSetting } from './common/values';
import { DriftValues } from './drift';
import { FeastChart } from './feast';
import { LearnerChart } from './learner';
import { MlflowChart } from './mlflow';
import { NamespaceChart } from './namespaces';

export * from './common/values';
export { FeastChart, LearnerChart, MlflowChart, NamespaceChart };
export { LEARNER_OBJECTS, learnerSecretStoreName } from './learner';
export { DriftJob } from './drift';
export type { DriftJobProps, DriftValues } from './drift';
export type { LearnerChartProps } from './learner';

/** The charts of one cohort. */
export interface CohortCharts {
  readonly namespaces: NamespaceChart;
  readonly mlflow: MlflowChart;
  readonly feast: FeastChart;
}

/**
 * Every chart of a cohort under `scope` (a cdk8s App for `cdk8s synth`, or the apps stack's
 * cdk8s App when applied through the EKS cluster). Workload charts depend on the namespaces.
 */
export function addCohortCharts(scope: Construct, values: ChartValues): CohortCharts {
  const namespaces = new NamespaceChart(scope, 'namespaces', { values });
  const mlflow = new MlflowChart(scope, 'mlflow', { values });
  const feast = new FeastChart(scope, 'feast', { values });
  for (const chart of [mlflow, feast] as Chart[]) {
    chart.addDependency(namespaces);
  }
  return { namespaces, mlflow, feast };
}

/** One learner as the learner chart needs them. */
export interface LearnerChartSource {
  readonly slug: string;
  readonly namespace: string;
  /** A learner with a repository gets the promotion lab's model server. @default - none */
  readonly github?: { readonly repository: string };
}

/** The MLflow image the model servers run, and where it comes from (for its checkov exception). */
export interface ServingImage {
  readonly image: string;
  readonly source: ImageSource;
}

/**
 * The chart of one learner's own space (cdk8s/learner) for cohort `cohortName`: the learners-N
 * stacks apply it with the learner's role, and a standalone `cdk8s synth` writes it with the
 * role's computed ARN. Everything but the role, the region and the drift job's cohort-wide values
 * is a name lib/core fixes.
 */
export function addLearnerChart(
  scope: Construct,
  cohortName: string,
  region: string,
  learner: LearnerChartSource,
  roleArn: string,
  servingImage?: ServingImage,
  drift?: Omit<DriftValues, 'cohortName'>,
): LearnerChart {
  if (learner.github !== undefined && servingImage === undefined) {
    throw new Error(
      `addLearnerChart: learner "${learner.slug}" names a repository, but no serving image was given`,
    );
  }
  return new LearnerChart(scope, `learner-${learner.slug}`, {
    drift: drift && { ...drift, cohortName },
    slug: learner.slug,
    namespace: learner.namespace,
    servicesNamespace: COHORT_NAMESPACE,
    roleArn,
    region,
    mlflowSecretName: secretNames(cohortName).learnerMlflow(learner.slug),
    refreshIntervalSeconds: EXTERNAL_SECRETS.refreshIntervalSeconds,
    mlflowTrackingUri: mlflowInClusterUrl(COHORT_NAMESPACE),
    experimentName: personalExperimentName(learner.slug),
    serving:
      learner.github === undefined || servingImage === undefined
        ? undefined
        : {
            image: servingImage.image,
            imageExceptions: imageDigestExceptions(
              servingImage.image,
              servingImage.source,
              imageSetting('mlflow', servingImage.source),
            ),
          },
  });
}
