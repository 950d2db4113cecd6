/**
 * Step 3 of a lab start (lab-start.ts): MLflow and Feast from the charts' own objects, each in the
 * order the cluster runs it, the two side by side.
 *
 * - MLflow: the `mlflow-db-bootstrap-<hash>` Job (unless a Job of that name ran here already, as
 *   Kubernetes runs a Job of one name once), then the pod (`sync-admin` init container, then the
 *   server), the load balancer stand-in, and each person's MLflow user: a new person's secret's
 *   first rotation makes it, as the secret's rotation schedule does at deploy; a person whose
 *   current password does not log in (a lab stopped without `down`) gets a rotation too. Then,
 *   the same way, each CI user of a learner with a repository (Lab 2: `ci.<slug>`, the promotion
 *   model and its grants).
 * - Feast: Redis, the `feast-apply-<hash>` Job (unless it ran), the sample features when the
 *   bucket has no data yet (the instructor's steps of labs/feature_repo/README.md), then the pod
 *   (`wait-for-registry` init container, then the server).
 */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { FeastDeployment } from './feast';
import { LabContext, Recorder } from './lab';
import { MlflowDeployment } from './mlflow';
import { LabPerson } from './people';
import { rotateSecret, RotationContext } from './rotation';

/** A step of the start: runs `f`, reports its time, returns its result. */
export type Step = <T>(title: string | ((result: T) => string), f: () => Promise<T>) => Promise<T>;

/** What both workloads' starts share. */
export interface AppStart {
  readonly ctx: LabContext;
  readonly rec: Recorder;
  readonly step: Step;
  /** Throws when the start was interrupted. */
  readonly checkpoint: () => void;
}

/** The sample data's key in the bucket (labs/feature_repo/features.py DATA_KEY). */
export const SAMPLE_DATA_KEY = 'feast/data/learner_activity.parquet';

/** MLflow: bootstrap Job, pod, load balancer, people's users. */
export async function startMlflowApp(
  s: AppStart,
  mlflow: MlflowDeployment,
  people: {
    readonly all: readonly LabPerson[];
    /** Secret names of people created in this start. */
    readonly fresh: ReadonlySet<string>;
    /** Each person's current credentials, by secret name. */
    readonly current: Readonly<Record<string, Record<string, string>>>;
    readonly rotation: RotationContext;
    /** Secret names of the learners' CI users (Lab 2), made after the learners' own users. */
    readonly ci: readonly string[];
  },
): Promise<void> {
  const { ports, urls } = s.ctx;
  if (!s.rec.state.completedJobs.includes(mlflow.bootstrapJobName)) {
    await s.step(`MLflow Job ${mlflow.bootstrapJobName}`, () => mlflow.runBootstrapJob());
    s.rec.jobDone(mlflow.bootstrapJobName);
  }
  s.checkpoint();
  await s.step('MLflow pod (sync-admin, then the server)', async () => {
    const { readyMs } = await mlflow.start();
    s.rec.add('mlflow-pod', mlflow.serverProcess!, {
      port: ports['mlflow-pod'],
      url: `http://127.0.0.1:${ports['mlflow-pod']}`,
      readyMs,
    });
    const t = Date.now();
    const proxy = await mlflow.startProxy();
    s.rec.add('mlflow', proxy.process, {
      port: ports.mlflow,
      url: urls.mlflow,
      readyMs: readyMs + Date.now() - t,
    });
  });
  s.checkpoint();
  await s.step(
    (rotated: number) =>
      `people's MLflow users: ${people.all.length} log in` +
      (rotated > 0 ? `, ${rotated} made or reset by the rotation function` : ''),
    async () => {
      let rotated = 0;
      for (const p of people.all) {
        if (people.fresh.has(p.secretName) || !(await canLogIn(urls.mlflow, people.current[p.secretName]))) {
          await rotateSecret(people.rotation, p.secretName);
          rotated += 1;
        }
      }
      return rotated;
    },
  );
  if (people.ci.length > 0) {
    await s.step(
      (rotated: number) =>
        `learners' CI users: ${people.ci.length} log in with EDIT on their promotion.<slug> model` +
        (rotated > 0 ? `, ${rotated} made or reset by the rotation function` : ''),
      async () => {
        let rotated = 0;
        for (const name of people.ci) {
          if (people.fresh.has(name) || !(await canLogIn(urls.mlflow, people.current[name]))) {
            await rotateSecret(people.rotation, name);
            rotated += 1;
          }
        }
        return rotated;
      },
    );
  }
}

/** Feast: Redis, apply Job, sample features, pod. */
export async function startFeastApp(
  s: AppStart,
  feast: FeastDeployment,
  s3: S3Client,
  bucket: string,
): Promise<void> {
  const { ports, urls } = s.ctx;
  await s.step('Redis (Feast online store)', async () => {
    const readyMs = await feast.startRedis();
    s.rec.add('redis', feast.redisProcess!, {
      port: ports.redis,
      url: `redis://127.0.0.1:${ports.redis}`,
      readyMs,
    });
  });
  if (!s.rec.state.completedJobs.includes(feast.applyJobName)) {
    await s.step(`Feast Job ${feast.applyJobName} (feast apply)`, () => feast.runApplyJob());
    s.rec.jobDone(feast.applyJobName);
  }
  s.checkpoint();
  if (!(await exists(s3, bucket, SAMPLE_DATA_KEY))) {
    await s.step('sample features (first run: gen_data.py --upload, materialize-incremental)', () =>
      feast.seedSampleData(),
    );
  }
  s.checkpoint();
  await s.step('Feast pod (wait-for-registry, then the server)', async () => {
    const t = Date.now();
    await feast.start();
    s.rec.add('feast', feast.serverProcess!, { port: ports.feast, url: urls.feast, readyMs: Date.now() - t });
  });
}

async function canLogIn(url: string, user: Record<string, string> | undefined): Promise<boolean> {
  if (!user) return false;
  const res = await fetch(`${url}/api/2.0/mlflow/users/get?username=${encodeURIComponent(user.username)}`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
    },
  });
  await res.arrayBuffer();
  return res.status === 200;
}

async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}
