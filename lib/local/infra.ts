/**
 * What stands in, in the chart values, for what the apps stack passes on AWS: the artifact bucket
 * (on moto), MLflow's database (PostgreSQL on loopback, TLS, `sslmode=require` as on RDS), the
 * images (the venvs of container.ts run them), the OpenID provider (oidc.ts, for Cognito).
 */
import { App } from 'cdk8s';
import { addCohortCharts, chartValues, ChartValues, ImageSource, OidcValues } from '../../cdk8s';
import { CohortConfig } from '../config';
import { MLFLOW_PORT } from '../core';
import { objectsOf, K8sObject } from './manifest';

/** Region of the stand-in services (moto takes any). */
export const LOCAL_REGION = 'us-east-1';

/** The artifact bucket of a cohort's local lab (on AWS, CDK names it). */
export function localBucketName(cohort: string): string {
  return `cohortlab-${cohort}-artifacts`;
}

/** The OpenID client id Feast reads roles for (on AWS, the user pool's app client). */
export const LOCAL_OIDC_CLIENT_ID = 'cohort-lab-learners';

/** Loopback infrastructure of the chart values. */
export interface LocalInfra {
  readonly bucket: string;
  readonly database: { readonly host: string; readonly port: number };
  /** @default - an address nothing answers on (charts whose Feast is not run) */
  readonly oidc?: { readonly discoveryUrl: string; readonly issuer: string };
}

/** The chart values of `config` on loopback infrastructure. */
export function localChartValues(config: CohortConfig, infra: LocalInfra): ChartValues {
  const oidc: OidcValues = infra.oidc
    ? { ...infra.oidc, clientId: LOCAL_OIDC_CLIENT_ID }
    : { discoveryUrl: 'https://idp.invalid/.well-known/openid-configuration', issuer: 'https://idp.invalid' };
  return chartValues(config, {
    region: LOCAL_REGION,
    artifactBucketName: infra.bucket,
    vpcCidr: '10.0.0.0/16',
    database: { ...infra.database, sslMode: 'require' },
    // Stand-ins for the images CDK builds from images/ (the venvs run them here).
    images: { mlflow: 'cohort-lab-mlflow:local', feast: 'cohort-lab-feast:local' },
    imageSources: { mlflow: ImageSource.CDK_ASSET, feast: ImageSource.CDK_ASSET },
    oidc,
    secretStoreName: 'local-store',
  });
}

/** Every object of the cohort's MLflow and Feast charts, as `kubectl apply` would receive them. */
export interface CohortManifests {
  readonly mlflow: K8sObject[];
  readonly feast: K8sObject[];
  /**
   * The Host header the load balancer stand-in sends: the Ingress host name, or (a cohort without
   * one, whose ALB forwards its own `*.elb.amazonaws.com` name) the in-cluster Service name. Both
   * are in MLflow's `--allowed-hosts`.
   */
  readonly mlflowHostname: string;
}

/** Synthesise the cohort's charts from `values`. */
export function synthCohortManifests(values: ChartValues): CohortManifests {
  const charts = addCohortCharts(new App(), values);
  const hostname =
    values.config.mlflow.hostname ?? `mlflow.${values.namespace}.svc.cluster.local:${MLFLOW_PORT}`;
  return { mlflow: objectsOf(charts.mlflow), feast: objectsOf(charts.feast), mlflowHostname: hostname };
}
