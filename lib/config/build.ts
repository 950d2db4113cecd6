import {
  ApiEndpointAccess,
  DEFAULT_DRIFT_SCHEDULE,
  DEFAULT_MLFLOW_PERMISSION,
  DEFAULT_REDIS_IMAGE,
  DEFAULT_GITHUB_ENVIRONMENTS,
  defaultFeastProject,
  learnerNamespace,
  learnerPrefix,
  normaliseId,
  shardOf,
} from '../core';
import {
  alertsWithDefaults,
  budgetWithDefaults,
  computeWithDefaults,
  endpointAccessWithDefault,
  expiryWithDefaults,
  retentionWithDefault,
} from './defaults';
import { Profile } from './profile';
import { CohortFile } from './schema';
import { ClusterConfig, CohortConfig, Instructor, Learner } from './types';

/**
 * Turn a cohort file that passed the schema and every rule into the normalised config: people
 * get their slug (learners also their namespace and S3 prefix), and whatever the file left out
 * comes from the profile. Assumes the rules held; it checks nothing.
 */
export function buildCohortConfig(doc: CohortFile, profile: Profile, file: string): CohortConfig {
  const shard = (p: { id: string; shard?: number }) =>
    p.shard ?? shardOf(normaliseId(p.id), profile.learnerShards);
  const instructors = doc.instructors.map((p) => buildInstructor(p, shard(p)));
  const learners = doc.learners.map((p) => buildLearner(p, shard(p)));
  const mlflowReplicas = doc.mlflow.replicas ?? profile.mlflowReplicasFor(learners.length);
  return {
    sourceFile: file,
    name: doc.cohort,
    profile,
    account: doc.account,
    region: doc.region,
    owner: doc.owner ?? instructors[0]?.email ?? learners[0].email,
    course: { start: doc.course.start, end: doc.course.end },
    expires: doc.course.end,
    instructors,
    learners,
    compute: computeWithDefaults(doc.compute, profile),
    mlflow: {
      defaultPermission: doc.mlflow.defaultPermission ?? DEFAULT_MLFLOW_PERMISSION,
      hostname: doc.mlflow.hostname,
      certificateArn: doc.mlflow.certificateArn,
      replicas: mlflowReplicas,
      image: doc.mlflow.image,
      allowedCidrs: doc.mlflow.allowedCidrs ?? [],
      allowAccessFromAnywhere: doc.mlflow.allowAccessFromAnywhere ?? false,
    },
    database: profile.databaseFor(learners.length, mlflowReplicas),
    feast: {
      project: doc.feast.project ?? defaultFeastProject(doc.cohort),
      image: doc.feast.image,
      redisImage: doc.feast.redisImage ?? DEFAULT_REDIS_IMAGE,
      replicas: profile.feastReplicasFor(learners.length),
    },
    drift: { schedule: doc.drift.schedule ?? DEFAULT_DRIFT_SCHEDULE, image: doc.drift.image },
    cluster: buildCluster(doc.cluster),
    artifacts: { retention: retentionWithDefault(doc.artifacts, profile) },
    expiry: expiryWithDefaults(doc.expiry, profile),
    budget: budgetWithDefaults(doc.budget),
    alerts: alertsWithDefaults(doc.alerts),
    github:
      doc.github === undefined
        ? undefined
        : {
            existingOidcProviderArn:
              doc.github.oidcProvider === undefined || doc.github.oidcProvider === 'create'
                ? undefined
                : doc.github.oidcProvider,
          },
    tags: doc.tags,
  };
}

function buildInstructor(p: CohortFile['instructors'][number], shard: number): Instructor {
  return { id: p.id, slug: normaliseId(p.id), email: p.email, iamPrincipalArn: p.iamPrincipalArn, shard };
}

function buildLearner(p: CohortFile['learners'][number], shard: number): Learner {
  const slug = normaliseId(p.id);
  return {
    id: p.id,
    slug,
    email: p.email,
    displayName: p.displayName,
    namespace: learnerNamespace(slug),
    s3Prefix: learnerPrefix(slug),
    iamPrincipalArn: p.iamPrincipalArn,
    shard,
    ...(p.github === undefined
      ? {}
      : {
          github: {
            repository: p.github.repository,
            environments: p.github.environments ?? DEFAULT_GITHUB_ENVIRONMENTS,
          },
        }),
  };
}

/** A private endpoint carries no public settings; a public one keeps what the file lists. */
function buildCluster(written: CohortFile['cluster']): ClusterConfig {
  const endpointAccess = endpointAccessWithDefault(written);
  if (endpointAccess === ApiEndpointAccess.PRIVATE) {
    return { endpointAccess, publicAccessCidrs: [], allowPublicAccessFromAnywhere: false };
  }
  return {
    endpointAccess,
    publicAccessCidrs: written.publicAccessCidrs ?? [],
    allowPublicAccessFromAnywhere: written.allowPublicAccessFromAnywhere ?? false,
  };
}
