import {
  ApiEndpointAccess,
  ArtifactRetention,
  cidrProblem,
  DEFAULT_REDIS_IMAGE,
  isWorldScale,
  learnerNamespace,
  learnerPrefix,
  normaliseId,
  slugProblem,
  WORLD_CIDR,
  WORLD_SCALE_PREFIX,
} from '../core';
import { ConfigProblem, formatPath } from './errors';
import { Profile } from './profile';
import { CohortFile, cohortFileSchema } from './schema';
import { ClusterConfig, CohortConfig, Instructor, Learner } from './types';
import { zodProblems } from './zod-problems';

/** Options for {@link validateCohort}. */
export interface ValidateOptions {
  /** File name used in every error message. */
  readonly file: string;
  /**
   * Today's date, `YYYY-MM-DD`, for the "expiry in the past" rule.
   * @default - the current UTC date
   */
  readonly today?: string;
  /**
   * Accept a course end in the past: for tearing down (`cdk destroy`) or inspecting a cohort that
   * has expired. Never for deploying one.
   * @default false
   */
  readonly allowExpired?: boolean;
}

/** Outcome of validation: a config, or every problem found. */
export type ValidationResult =
  | { readonly ok: true; readonly config: CohortConfig }
  | { readonly ok: false; readonly problems: ConfigProblem[] };

/**
 * Check a parsed cohort document (plain data from YAML) against the schema and the cross-field
 * rules, and return the normalised config or the full list of problems.
 */
export function validateCohort(raw: unknown, options: ValidateOptions): ValidationResult {
  const file = options.file;
  const parsed = cohortFileSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problems: zodProblems(parsed.error, raw, file, cohortFileSchema) };
  }
  const doc = parsed.data;
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const profile = Profile.fromName(doc.profile);
  const problems: ConfigProblem[] = [];
  const add = (path: ReadonlyArray<PropertyKey>, message: string, value?: unknown) =>
    problems.push({ file, path: formatPath(path), message, value });

  checkCourse(doc, profile, today, options.allowExpired ?? false, add);
  const instructors = checkPeople(doc, profile, add);
  const learners = instructors === undefined ? undefined : buildLearners(doc);

  const retention = (doc.artifacts.retention as ArtifactRetention | undefined) ?? profile.defaultRetention;
  if (!profile.allowedRetentions.includes(retention)) {
    add(
      ['artifacts', 'retention'],
      `is not allowed for profile ${profile.name}; use one of ${profile.allowedRetentions.join(', ')} ` +
        '(a cohort keeps its artifacts; export them before teardown instead)',
      retention,
    );
  }

  const compute = {
    instanceTypes: doc.compute.instanceTypes ?? profile.defaultCompute.instanceTypes,
    minNodes: doc.compute.minNodes ?? profile.defaultCompute.minNodes,
    maxNodes: doc.compute.maxNodes ?? profile.defaultCompute.maxNodes,
    spot: doc.compute.spot ?? profile.defaultCompute.spot,
  };
  // EKS would accept a repeated instance type; it is a typo (usually for a second type) all the same.
  const seenType = new Map<string, number>();
  (doc.compute.instanceTypes ?? []).forEach((type, index) => {
    const first = seenType.get(type);
    if (first !== undefined) {
      add(['compute', 'instanceTypes', index], `duplicates compute.instanceTypes[${first}]`, type);
    } else {
      seenType.set(type, index);
    }
  });
  if (compute.minNodes > compute.maxNodes) {
    add(['compute', 'minNodes'], `must not exceed compute.maxNodes (${compute.maxNodes})`, compute.minNodes);
  }

  checkIngress(doc, profile, add);
  const cluster = checkCluster(doc, add);

  if (problems.length > 0 || instructors === undefined || learners === undefined) {
    return { ok: false, problems };
  }

  const config: CohortConfig = {
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
    compute,
    mlflow: {
      defaultPermission: doc.mlflow.defaultPermission ?? 'READ',
      hostname: doc.mlflow.hostname,
      certificateArn: doc.mlflow.certificateArn,
      replicas: doc.mlflow.replicas ?? profile.defaultMlflowReplicas,
      image: doc.mlflow.image,
    },
    feast: {
      project: doc.feast.project ?? doc.cohort.replace(/-/g, '_'),
      image: doc.feast.image,
      redisImage: doc.feast.redisImage ?? DEFAULT_REDIS_IMAGE,
      replicas: profile.defaultFeastReplicas,
    },
    cluster,
    artifacts: { retention },
    tags: doc.tags,
  };
  return { ok: true, config };
}

type AddProblem = (path: ReadonlyArray<PropertyKey>, message: string, value?: unknown) => void;

/** Cohorts serve MLflow (basic-auth passwords) over TLS only; a sandbox may go without, loudly. */
function checkIngress(doc: CohortFile, profile: Profile, add: AddProblem): void {
  const { hostname, certificateArn } = doc.mlflow;
  if (profile.requiresTls && certificateArn === undefined) {
    add(
      ['mlflow', 'certificateArn'],
      `is required for profile ${profile.name}: learners' MLflow passwords must travel over TLS`,
    );
  }
  if (certificateArn !== undefined && hostname === undefined) {
    add(['mlflow', 'hostname'], 'is required with mlflow.certificateArn: the certificate is for a host name');
  }
}

function checkCourse(
  doc: CohortFile,
  profile: Profile,
  today: string,
  allowExpired: boolean,
  add: AddProblem,
): void {
  const { start, end } = doc.course;
  if (end < start) {
    add(['course', 'end'], `is before course.start (${start})`, end);
    return;
  }
  if (end < today && !allowExpired) {
    add(
      ['course', 'end'],
      `is in the past (today is ${today}); the expiry must be today or later; to tear it down, allowExpired=true`,
      end,
    );
  }
  const days = Math.round((Date.parse(end) - Date.parse(start)) / 86_400_000) + 1;
  if (days > profile.maxCourseDays) {
    add(
      ['course', 'end'],
      `makes the course ${days} days long; profile ${profile.name} allows at most ${profile.maxCourseDays}`,
      end,
    );
  }
}

/**
 * The API endpoint rules: private by default; public only with at least one CIDR block; never
 * 0.0.0.0/0 (or anything broader than a /8) unless `allowPublicAccessFromAnywhere: true` says so.
 */
function checkCluster(doc: CohortFile, add: AddProblem): ClusterConfig {
  const written = doc.cluster;
  const endpointAccess =
    (written.endpointAccess as ApiEndpointAccess | undefined) ?? ApiEndpointAccess.PRIVATE;
  const allowPublicAccessFromAnywhere = written.allowPublicAccessFromAnywhere ?? false;
  const cidrs = written.publicAccessCidrs ?? [];
  const path = (...rest: PropertyKey[]) => ['cluster', ...rest];

  if (endpointAccess === ApiEndpointAccess.PRIVATE) {
    const why = 'only applies when cluster.endpointAccess is public; remove it or make the endpoint public';
    if (written.publicAccessCidrs !== undefined) {
      add(path('publicAccessCidrs'), why, written.publicAccessCidrs);
    }
    if (written.allowPublicAccessFromAnywhere !== undefined) {
      add(path('allowPublicAccessFromAnywhere'), why, written.allowPublicAccessFromAnywhere);
    }
    return { endpointAccess, publicAccessCidrs: [], allowPublicAccessFromAnywhere: false };
  }

  if (cidrs.length === 0) {
    add(
      path('publicAccessCidrs'),
      'must list at least one CIDR block when cluster.endpointAccess is public ' +
        '(EKS would read an empty list as 0.0.0.0/0)',
      written.publicAccessCidrs,
    );
  }
  const seen = new Map<string, number>();
  cidrs.forEach((cidr, index) => {
    const problem = cidrProblem(cidr);
    if (problem !== undefined) {
      add(path('publicAccessCidrs', index), problem, cidr);
      return;
    }
    const first = seen.get(cidr);
    if (first !== undefined) {
      add(path('publicAccessCidrs', index), `duplicates cluster.publicAccessCidrs[${first}]`, cidr);
      return;
    }
    seen.set(cidr, index);
    if (isWorldScale(cidr) && !allowPublicAccessFromAnywhere) {
      const reach =
        cidr === WORLD_CIDR
          ? 'opens the API endpoint to the whole internet'
          : `is broader than /${WORLD_SCALE_PREFIX} and opens the API endpoint to a large part of the internet`;
      add(
        path('publicAccessCidrs', index),
        `${reach}; set cluster.allowPublicAccessFromAnywhere: true if that is intended`,
        cidr,
      );
    }
  });
  return { endpointAccess, publicAccessCidrs: cidrs, allowPublicAccessFromAnywhere };
}

/** Check ids, emails and principals across both lists; returns instructors when ids are usable. */
function checkPeople(doc: CohortFile, profile: Profile, add: AddProblem): Instructor[] | undefined {
  if (doc.instructors.length < profile.minInstructors) {
    add(
      ['instructors'],
      `must list at least ${profile.minInstructors === 1 ? 'one instructor' : `${profile.minInstructors} instructors`} for profile ${profile.name}`,
      doc.instructors.length === 0 ? [] : undefined,
    );
  }
  if (doc.learners.length === 0) {
    add(['learners'], 'must list at least one learner', []);
  }
  if (doc.learners.length > profile.maxLearners) {
    add(
      ['learners'],
      `has ${doc.learners.length} learners; profile ${profile.name} allows at most ${profile.maxLearners}`,
    );
  }

  const people = [
    ...doc.instructors.map((p, i) => ({ list: 'instructors', index: i, person: p })),
    ...doc.learners.map((p, i) => ({ list: 'learners', index: i, person: p })),
  ];
  const seenSlug = new Map<string, string>();
  const seenEmail = new Map<string, string>();
  const seenArn = new Map<string, string>();
  let idsUsable = true;
  for (const { list, index, person } of people) {
    const where = `${list}[${index}]`;
    const slug = normaliseId(person.id);
    const problem = slugProblem(slug);
    if (problem !== undefined) {
      add([list, index, 'id'], problem, person.id);
      idsUsable = false;
      continue;
    }
    const firstSlug = seenSlug.get(slug);
    if (firstSlug !== undefined) {
      add([list, index, 'id'], `collides with ${firstSlug} (both normalise to "${slug}")`, person.id);
      idsUsable = false;
    } else {
      seenSlug.set(slug, `${where}.id`);
    }
    const email = person.email.toLowerCase();
    const firstEmail = seenEmail.get(email);
    if (firstEmail !== undefined) {
      add([list, index, 'email'], `duplicates ${firstEmail}`, person.email);
    } else {
      seenEmail.set(email, `${where}.email`);
    }
    if (person.iamPrincipalArn !== undefined) {
      const firstArn = seenArn.get(person.iamPrincipalArn);
      if (firstArn !== undefined) {
        add([list, index, 'iamPrincipalArn'], `duplicates ${firstArn}`, person.iamPrincipalArn);
      } else {
        seenArn.set(person.iamPrincipalArn, `${where}.iamPrincipalArn`);
      }
    }
  }
  if (!idsUsable) {
    return undefined;
  }
  return doc.instructors.map((p) => ({
    id: p.id,
    slug: normaliseId(p.id),
    email: p.email,
    iamPrincipalArn: p.iamPrincipalArn,
  }));
}

function buildLearners(doc: CohortFile): Learner[] {
  return doc.learners.map((p) => {
    const slug = normaliseId(p.id);
    return {
      id: p.id,
      slug,
      email: p.email,
      displayName: p.displayName,
      namespace: learnerNamespace(slug),
      s3Prefix: learnerPrefix(slug),
      iamPrincipalArn: p.iamPrincipalArn,
    };
  });
}
