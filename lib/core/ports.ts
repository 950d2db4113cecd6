/**
 * Ports the services listen on. The charts open them, the NetworkPolicies and security groups
 * admit them, the local lab runs the same processes on them (or on free ports it maps to them).
 */

/** MLflow tracking server, in the pod and on its Service. */
export const MLFLOW_PORT = 5000;
/** Feast feature server (HTTP), in the pod and on its Service. */
export const FEAST_PORT = 6566;
/** Redis online store of Feast. */
export const REDIS_PORT = 6379;
/** PostgreSQL (RDS keeps the default port; see CohortDatabase). */
export const POSTGRES_PORT = 5432;
/** HTTPS: S3, Secrets Manager, Cognito's JWKS. */
export const HTTPS_PORT = 443;
/** DNS, to kube-dns (UDP and TCP). */
export const DNS_PORT = 53;

/**
 * The EKS Pod Identity agent: the link-local endpoint pods get their AWS credentials from
 * (EKS user guide, "Pod Identity agent"), plain HTTP on port 80.
 */
export const POD_IDENTITY_AGENT = { cidr: '169.254.170.23/32', port: 80 } as const;
