/**
 * The cohort's manifests on a real Kubernetes control plane: etcd, kube-apiserver and
 * kube-controller-manager v1.36.3 (the version the cohort's EKS cluster runs; built and started by
 * scripts/k8s-control-plane.sh) with Node,RBAC authorization and the admission plugins EKS enables
 * (NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity, ResourceQuota, ...). Every object
 * of the demo and sandbox cohorts goes through authentication, RBAC, admission, server-side field
 * validation and the add-ons' CRD schemas, in the order the product applies them, and the
 * controllers turn the Deployments and Jobs into pods.
 *
 * What stands in for what, said plainly:
 * - the EKS kubectl provider (`kubectl create/apply -f` of each KubernetesManifest, `kubectl delete
 *   -f` when one is deleted): server-side apply of each object in file order with strict field
 *   validation, and deleting a manifest's objects as `kubectl delete -f` does
 *   (lib/local/cohort-manifests.ts);
 * - CloudFormation's deploy-time values in the stacks' manifests (last describe): the environment
 *   file's, or made up in AWS's form (support/stack-manifests.ts);
 * - the add-ons' CRDs (installed by the script before anything is applied): External Secrets
 *   Operator v1.3.2's, for the chart 2.9.0 the cluster pins (v2 is not served as a Go module), and
 *   the AWS Load Balancer Controller's of v3.2.2 (a pseudo-version 7 commits later, same CRDs);
 * - EKS authentication: a bearer token, as on EKS, that the API server hands to a webhook token
 *   authenticator (scripts/k8s-token-webhook.py instead of EKS's IAM authenticator) which names
 *   the user EKS names for the learner's IAM role (eksUserName);
 * - EKS access entries: a learner's AmazonEKSEditPolicy scoped to their namespace grants what the
 *   `edit` ClusterRole grants there; EKS evaluates it in its own authorizer, here a RoleBinding of
 *   that user to `edit` does;
 * - the External Secrets Operator itself: not running; the Secrets it would write are created here;
 * - nodes, kubelet, CoreDNS and a CNI: none. Pods are created and admitted and stay Pending; no
 *   NetworkPolicy is enforced, so each policy's selectors are checked against the real labels of
 *   the pods and namespaces instead; kube-system has no kube-dns pods to check the DNS rule with.
 *
 * Longer than 300 lines on purpose: one control plane is started once, and each case builds on the
 * cohort the first applied (the removal and the sandbox come last).
 */
import { App } from 'cdk8s';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { addCohortCharts, chartValues, infraFromEnvironment } from '../../cdk8s';
import { loadCohortFile, loadEnvironmentFile } from '../../lib/config';
import { COHORT_NAMESPACE } from '../../lib/core';
import {
  applyManifest,
  ChartManifest,
  deleteManifest,
  synthCohortManifests,
} from '../../lib/local/cohort-manifests';
import { ControlPlane, controlPlane } from '../../lib/local/control-plane';
import { REPO_ROOT } from '../../lib/local/container';
import { KubeApiError, KubeClient, loadKubeconfig } from '../../lib/local/kube-api';
import { K8sObject } from '../../lib/local/manifest';
import { synthCohort } from '../support/synth';
import { eventually, LabelSelector, labPod, millicores, Pod, PodDoc, podsOf, selects } from './support/kube';
import { StackManifest, stackManifests } from './support/stack-manifests';

const TODAY = '2026-11-29';
const DEMO = join(REPO_ROOT, 'cohorts', 'demo.yaml');
const SANDBOX = join(REPO_ROOT, 'cohorts', 'sandbox-example.yaml');
const ENVIRONMENT = join(REPO_ROOT, 'cohorts', 'demo.environment.json');
const demoConfig = loadCohortFile(DEMO, { today: TODAY });
const LEARNER_NAMESPACES = demoConfig.learners.map((l) => l.namespace);
const [GRACE, ALAN] = LEARNER_NAMESPACES;
/** Namespaces of the learners with a repository (Lab 2): they hold the model servers. */
const SERVING_NAMESPACES = demoConfig.learners.filter((l) => l.github !== undefined).map((l) => l.namespace);

/**
 * The Kubernetes user EKS gives an IAM role's session when its access entry names no username:
 * `arn:aws:sts::<account>:assumed-role/<role name>/{{SessionName}}` (EKS User Guide, "Create
 * access entries"; a role's path is not part of it).
 */
function eksUserName(roleArn: string, sessionName: string): string {
  const m = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  if (!m) throw new Error(`not an IAM role ARN: ${roleArn}`);
  return `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${sessionName}`;
}

/** Pods Pod Security `restricted` must refuse, and the violation it names. */
const BAD_PODS: Record<string, { change: (p: PodDoc) => void; violation: string }> = {
  privileged: {
    // (with allowPrivilegeEscalation: false the API's own validation refuses it first)
    change: (p) =>
      (p.spec.containers[0].securityContext = { privileged: true, capabilities: { drop: ['ALL'] } }),
    violation:
      'privileged (container "job" must not set securityContext.privileged=true), ' +
      'allowPrivilegeEscalation != false (container "job" must set securityContext.allowPrivilegeEscalation=false)',
  },
  root: {
    change: (p) => Object.assign(p.spec.securityContext, { runAsNonRoot: false, runAsUser: 0 }),
    violation:
      'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), runAsUser=0 (pod must not set runAsUser=0)',
  },
  'host-path': {
    change: (p) => {
      p.spec.volumes = [{ name: 'host', hostPath: { path: '/' } }];
      p.spec.containers[0].volumeMounts = [{ name: 'host', mountPath: '/host' }];
    },
    violation: 'restricted volume types (volume "host" uses restricted volume type "hostPath")',
  },
};

/**
 * In each learner namespace, a learner's job pod (created, then deleted) and the bad pods; in
 * `cohort-lab` the bad pods alone (as the default service account, without the learner's
 * settings). What the server answered, and what it should have.
 */
async function podSecurityAnswers(
  learnerNamespaces: readonly string[],
): Promise<{ got: Record<string, string>; want: Record<string, string> }> {
  const got: Record<string, string> = {};
  const want: Record<string, string> = {};
  const namespaces = [
    ...learnerNamespaces.map((ns) => ({ ns, learner: true })),
    { ns: COHORT_NAMESPACE, learner: false },
  ];
  for (const { ns, learner } of namespaces) {
    if (learner) {
      const job = await admin.create(labPod(ns, 'lab-job'));
      got[`${ns}/lab-job`] = String(job.status);
      want[`${ns}/lab-job`] = '201';
    }
    for (const [name, b] of Object.entries(BAD_PODS)) {
      const change = (p: PodDoc) => {
        if (!learner) {
          p.spec.serviceAccountName = 'default';
          delete p.spec.containers[0].envFrom;
          p.spec.containers[0].resources = { limits: { cpu: '100m', memory: '64Mi' } };
        }
        b.change(p);
      };
      const res = await admin.create(labPod(ns, name, { change }));
      got[`${ns}/${name}`] = `${res.status} ${(res.body as { message?: string }).message}`;
      want[`${ns}/${name}`] =
        `403 pods "${name}" is forbidden: violates PodSecurity "restricted:v1.36": ${b.violation}`;
    }
  }
  return { got, want };
}

let cp: ControlPlane;
let admin: KubeClient;
let grace: KubeClient;
let out: string;
let demo: ChartManifest[];

const ref = (o: K8sObject) => ({ ...o, name: o.metadata.name, namespace: o.metadata.namespace });
const objectsOf = (manifests: readonly ChartManifest[]) => manifests.flatMap((m) => m.objects);
const workloadsOf = (manifests: readonly ChartManifest[]) =>
  objectsOf(manifests).filter((o) => o.kind === 'Deployment' || o.kind === 'Job');

/** A copy of `o` with the field at `path` set to `value`. */
function withField(o: K8sObject, path: readonly string[], value: unknown): K8sObject {
  const copy = structuredClone(o) as unknown as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path[path.length - 1]] = value;
  return copy as unknown as K8sObject;
}

/** Apply every manifest in order; the warnings, one line each. */
async function applyAll(manifests: readonly ChartManifest[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const m of manifests) {
    for (const a of await applyManifest(admin, m)) {
      warnings.push(...a.warnings.map((w) => `${m.chart}: ${a.object.kind} ${a.object.metadata.name}: ${w}`));
    }
  }
  return warnings;
}

/** Wait for each workload's pods (a Deployment's replicas, a Job's parallelism); FailedCreate events on failure. */
async function expectPodsOf(workloads: readonly K8sObject[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const w of workloads) {
    const spec = w.spec as { replicas?: number; parallelism?: number };
    const want = w.kind === 'Deployment' ? (spec.replicas ?? 1) : (spec.parallelism ?? 1);
    try {
      const pods = await eventually(`${w.kind} ${w.metadata.name} has ${want} pods`, async () => {
        const pods = await podsOf(admin, w);
        return pods.length === want ? pods : undefined;
      });
      counts[`${w.kind} ${w.metadata.name}`] = pods.length;
    } catch (err) {
      const events = await admin.list<{ message: string }>('v1', 'Event', {
        namespace: w.metadata.namespace,
        fieldSelector: 'reason=FailedCreate',
      });
      throw new Error(`${(err as Error).message}; FailedCreate: ${events.map((e) => e.message).join(' | ')}`);
    }
  }
  return counts;
}

/** Whatever an earlier, interrupted run left: the cohort's namespaces and cluster-wide objects. */
async function removeLeftovers(): Promise<void> {
  const selector = { labelSelector: 'app.kubernetes.io/part-of=cohort-lab' };
  const leftovers = [
    ...(await admin.list('external-secrets.io/v1', 'ClusterSecretStore', selector)),
    ...(await admin.list('v1', 'Namespace', selector)),
  ];
  await deleteManifest(admin, { chart: 'leftovers', file: '', objects: leftovers });
}

beforeAll(async () => {
  cp = controlPlane();
  admin = cp.client();
  await removeLeftovers();
  out = mkdtempSync(join(tmpdir(), 'cohortlab-control-plane-'));
  demo = synthCohortManifests(DEMO, join(out, 'demo'), { today: TODAY, environmentFile: ENVIRONMENT });
}, 30 * 60_000);

afterAll(async () => {
  if (admin) await removeLeftovers();
  admin?.close();
  grace?.close();
  cp?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
}, 180_000);

jest.setTimeout(180_000);

describe('the demo cohort on Kubernetes 1.36', () => {
  test('every object is admitted in the cohort order (namespaces, mlflow, feast, learners), with no warning', async () => {
    expect(demo.map((m) => m.chart)).toEqual([
      'namespaces',
      'mlflow',
      'feast',
      ...demoConfig.learners.map((l) => `learner-${l.slug}`),
    ]);
    expect(await applyAll(demo)).toEqual([]);
    const missing: string[] = [];
    for (const o of objectsOf(demo)) {
      if ((await admin.get(ref(o))) === undefined) missing.push(`${o.kind} ${o.metadata.name}`);
    }
    expect(missing).toEqual([]);
  });

  test('the CRD-backed objects are checked against the add-ons CRD schemas: the apps stack TargetGroupBinding is admitted, unknown fields and bad values are refused', async () => {
    // The apps stack's MLflow chart has the private endpoint's TargetGroupBinding, which the
    // standalone manifests leave out (they have no private endpoint).
    const environment = loadEnvironmentFile(ENVIRONMENT);
    const charts = addCohortCharts(
      new App(),
      chartValues(demoConfig, {
        ...infraFromEnvironment(environment),
        mlflowPrivateEndpoint: {
          hostname: 'internal-cohortlab-mlflow-0123456789.eu-west-1.elb.amazonaws.com',
          targetGroupArn:
            'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/mlflow-private/0123456789abcdef',
        },
      }),
    );
    const binding = (charts.mlflow.toJson() as K8sObject[]).find((o) => o.kind === 'TargetGroupBinding')!;
    expect((await admin.apply(binding)).warnings).toEqual([]);

    const externalSecret = demo
      .find((m) => m.chart === `learner-${demoConfig.learners[0].slug}`)!
      .objects.find((o) => o.kind === 'ExternalSecret')!;
    const store = objectsOf(demo).find((o) => o.kind === 'ClusterSecretStore')!;
    const refusal = async (obj: K8sObject) => {
      try {
        await admin.apply(obj);
        return 'admitted';
      } catch (err) {
        return (err as KubeApiError).serverMessage;
      }
    };
    expect({
      'ExternalSecret, a misspelt field': await refusal(
        withField(externalSecret, ['spec', 'refreshIntervall'], '1h'),
      ),
      'ExternalSecret, an unknown creation policy': await refusal(
        withField(externalSecret, ['spec', 'target', 'creationPolicy'], 'Sometimes'),
      ),
      'ClusterSecretStore, a service ESO has not': await refusal(
        withField(store, ['spec', 'provider', 'aws', 'service'], 'S3'),
      ),
      'TargetGroupBinding, an unknown target type': await refusal(
        withField(binding, ['spec', 'targetType'], 'pod'),
      ),
    }).toEqual({
      'ExternalSecret, a misspelt field':
        `failed to create typed patch object (${GRACE}/mlflow-credentials; external-secrets.io/v1, Kind=ExternalSecret): ` +
        '.spec.refreshIntervall: field not declared in schema',
      'ExternalSecret, an unknown creation policy':
        'ExternalSecret.external-secrets.io "mlflow-credentials" is invalid: spec.target.creationPolicy: ' +
        'Unsupported value: "Sometimes": supported values: "Owner", "Orphan", "Merge", "None"',
      'ClusterSecretStore, a service ESO has not':
        `ClusterSecretStore.external-secrets.io "${store.metadata.name}" is invalid: [spec.provider.aws.service: ` +
        'Unsupported value: "S3": supported values: "SecretsManager", "ParameterStore", <nil>: Invalid value: null: ' +
        'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
      'TargetGroupBinding, an unknown target type':
        'TargetGroupBinding.elbv2.k8s.aws "mlflow-private" is invalid: spec.targetType: Unsupported value: "pod": ' +
        'supported values: "instance", "ip"',
    });
  });

  test('the controllers create the pods of every Deployment and Job, and Pod Security "restricted" admits them', async () => {
    const counts = await expectPodsOf(workloadsOf(demo));
    const jobs = workloadsOf(demo).filter((w) => w.kind === 'Job');
    expect(counts).toEqual({
      'Deployment mlflow': demoConfig.mlflow.replicas,
      'Deployment redis': 1,
      'Deployment feast': demoConfig.feast.replicas,
      // Lab 2: the model server of each learner with a repository (Grace), champion and canary
      ...(demoConfig.learners.some((l) => l.github !== undefined)
        ? { 'Deployment model-champion': 3, 'Deployment model-canary': 1 }
        : {}),
      ...Object.fromEntries(jobs.map((j) => [`Job ${j.metadata.name}`, 1])),
    });
    const failed = await admin.list<{ message: string }>('v1', 'Event', {
      fieldSelector: 'reason=FailedCreate',
    });
    expect(failed.map((e) => e.message)).toEqual([]);
  });

  test('every learner\'s drift CronJob is admitted, and a Job made from its template (what the CronJob controller makes on schedule) gets its pod admitted by Pod Security "restricted" and the learner quota', async () => {
    // GIVEN the drift CronJobs of the demo's learners, as applied above
    const cronJobs = objectsOf(demo).filter((o) => o.kind === 'CronJob');
    expect(cronJobs.map((c) => `${c.metadata.namespace}/${c.metadata.name}`)).toEqual(
      LEARNER_NAMESPACES.map((ns) => `${ns}/drift`),
    );
    // WHEN one Job per learner is created from the CronJob's jobTemplate (the schedule is daily)
    const jobs: K8sObject[] = [];
    for (const c of cronJobs) {
      const template = (c.spec as { jobTemplate: { metadata?: object; spec: object } }).jobTemplate;
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { ...template.metadata, name: 'drift-now', namespace: c.metadata.namespace },
        spec: template.spec,
      } as K8sObject;
      await admin.apply(job);
      jobs.push(job);
    }
    // THEN each Job's pod is created: admitted by Pod Security and within the learner's quota
    const counts = await expectPodsOf(jobs);
    expect(counts).toEqual({ 'Job drift-now': 1 });
    for (const job of jobs) {
      expect((await podsOf(admin, job)).length).toBe(1);
    }
    // AND they are removed, pods included, before the quota cases below
    for (const job of jobs) {
      await admin.delete(ref(job));
      await eventually(`Job drift-now's pods gone in ${job.metadata.namespace}`, async () => {
        const pods = await admin.list<Pod>('v1', 'Pod', { namespace: job.metadata.namespace });
        return pods.some((p) => p.metadata.name.startsWith('drift-now-')) ? undefined : true;
      });
    }
  });

  test('a learner job pod is admitted, and a privileged, a root and a hostPath pod are refused, in every learner namespace (and in cohort-lab)', async () => {
    const { got, want } = await podSecurityAnswers(LEARNER_NAMESPACES);
    expect(Object.keys(got)).toHaveLength(LEARNER_NAMESPACES.length * 4 + 3);
    expect(got).toEqual(want);
  });

  test("a learner (access entry: edit in their own namespace) creates pods and reads their own secrets, and nothing of anyone else's or cluster-wide", async () => {
    // The Secrets ESO would write: each learner's credentials, and every secret of cohort-lab.
    const esoTargets = objectsOf(demo).filter((o) => o.kind === 'ExternalSecret');
    for (const es of esoTargets) {
      await admin.apply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: (es.spec as { target: { name: string } }).target.name,
          namespace: es.metadata.namespace,
        },
        stringData: { value: 'stand-in' },
      } as K8sObject);
    }
    const serviceSecret = esoTargets.find((es) => es.metadata.namespace === COHORT_NAMESPACE)!.metadata.name;
    const status = async (p: Promise<{ status: number }>) => (await p).status;
    const secret = (ns: string, name = 'mlflow-credentials') => `/api/v1/namespaces/${ns}/secrets/${name}`;

    // Her bearer token names the user EKS names for a session of her IAM role; until her access
    // entry exists, that user may do nothing.
    const learner = demoConfig.learners[0];
    expect(learner.namespace).toBe(GRACE);
    const user = eksUserName(learner.iamPrincipalArn!, learner.slug);
    grace = cp.clientAs(user);
    const whoAmI = await grace.request<{ status: { userInfo: { username: string; groups: string[] } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    );
    expect(whoAmI.body.status.userInfo).toEqual({ username: user, groups: ['system:authenticated'] });
    expect(await status(grace.request('GET', secret(GRACE)))).toBe(403);
    const stranger = new KubeClient({
      ...loadKubeconfig(cp.kubeconfig),
      cert: undefined,
      key: undefined,
      token: 'f'.repeat(64),
    });
    try {
      expect(await status(stranger.request('GET', '/api/v1/namespaces'))).toBe(401);
    } finally {
      stranger.close();
    }

    await admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'eks-access-entry-edit', namespace: GRACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    } as K8sObject);
    const clusterWide: K8sObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'grace-was-here' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'grace-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      } as K8sObject,
      {
        ...objectsOf(demo).find((o) => o.kind === 'ClusterSecretStore' && o.metadata.name !== GRACE)!,
        metadata: { name: 'grace-reads-alan' },
      },
    ];
    const got = {
      'create a pod in her namespace': await status(grace.create(labPod(GRACE, 'notebook'))),
      'read her credentials': await status(grace.request('GET', secret(GRACE))),
      "read Alan's credentials": await status(grace.request('GET', secret(ALAN))),
      'read a cohort-lab secret': await status(grace.request('GET', secret(COHORT_NAMESPACE, serviceSecret))),
      'list every secret': await status(grace.request('GET', '/api/v1/secrets')),
      "create a pod in Alan's namespace": await status(grace.create(labPod(ALAN, 'notebook'))),
      ...Object.fromEntries(
        await Promise.all(
          clusterWide.map(async (o) => [`create a ${o.kind}`, await status(grace.create(o))]),
        ),
      ),
    };
    expect(got).toEqual({
      'create a pod in her namespace': 201,
      'read her credentials': 200,
      "read Alan's credentials": 403,
      'read a cohort-lab secret': 403,
      'list every secret': 403,
      "create a pod in Alan's namespace": 403,
      'create a Namespace': 403,
      'create a ClusterRoleBinding': 403,
      'create a ClusterSecretStore': 403,
    });
    expect((await grace.request<{ message: string }>('GET', secret(ALAN))).body.message).toBe(
      `secrets "mlflow-credentials" is forbidden: User "${user}" cannot get resource "secrets" in API group "" in the namespace "${ALAN}"`,
    );
    // Her pods' identity, the `lab` service account, has no API rights at all (a real token).
    const lab = await admin.asServiceAccount(GRACE, 'lab');
    try {
      expect(await status(lab.request('GET', secret(GRACE)))).toBe(403);
      expect(await status(lab.request('GET', `/api/v1/namespaces/${GRACE}/pods`))).toBe(403);
    } finally {
      lab.close();
    }
  });

  test('LimitRange gives a container defaults and a maximum, and ResourceQuota refuses the pod that goes over the learner quota', async () => {
    const defaults = await grace.create(labPod(GRACE, 'defaults'));
    expect(defaults.status).toBe(201);
    expect((defaults.body as Pod).spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    });
    const tooBig = await grace.create(labPod(GRACE, 'too-big', { resources: { limits: { cpu: '5' } } }));
    expect([tooBig.status, (tooBig.body as { message: string }).message]).toEqual([
      403,
      'pods "too-big" is forbidden: maximum cpu usage per Container is 4, but limit is 5',
    ]);

    // Default pods until the quota says no: the CPU limits (500m each) run out first.
    const quota = (await admin.get<{
      status: { hard: Record<string, string>; used: Record<string, string> };
    }>({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      namespace: GRACE,
      name: 'lab-quota',
    }))!;
    const room = Math.floor(
      (millicores(quota.status.hard['limits.cpu']) - millicores(quota.status.used['limits.cpu'])) / 500,
    );
    expect(room).toBeGreaterThan(0);
    for (let i = 1; i <= room; i++) {
      expect((await grace.create(labPod(GRACE, `fill-${i}`))).status).toBe(201);
    }
    const over = await grace.create(labPod(GRACE, 'over-quota'));
    // (Grace's quota holds her model servers' room on top: 3 CPUs of limits where others have 2)
    expect(over.status).toBe(403);
    expect((over.body as { message: string }).message).toMatch(
      /^pods "over-quota" is forbidden: exceeded quota: lab-quota, requested: limits\.cpu=500m, used: limits\.cpu=(\d+), limited: limits\.cpu=\1$/,
    );
    for (const name of ['defaults', 'notebook', ...Array.from({ length: room }, (_, i) => `fill-${i + 1}`)]) {
      await admin.delete({ apiVersion: 'v1', kind: 'Pod', namespace: GRACE, name });
    }
  });

  test('each NetworkPolicy selects the pods and namespaces it is meant to', async () => {
    const namespaces = await admin.list<Pod>('v1', 'Namespace');
    const pods = await admin.list<Pod>('v1', 'Pod');
    const app = (p: Pod) =>
      `${p.metadata.namespace}/${p.metadata.labels?.['app.kubernetes.io/name'] ?? p.metadata.name}`;
    const unique = (xs: string[]) => [...new Set(xs)].sort();
    interface Peer {
      ipBlock?: { cidr: string };
      namespaceSelector?: LabelSelector;
      podSelector?: LabelSelector;
    }
    const describePeer = (ns: string, peer: Peer): string[] => {
      if (peer.ipBlock) return [`ipBlock ${peer.ipBlock.cidr}`];
      const inNamespaces = peer.namespaceSelector
        ? namespaces
            .filter((n) => selects(peer.namespaceSelector!, n.metadata.labels))
            .map((n) => n.metadata.name)
        : [ns];
      if (!peer.podSelector) return inNamespaces.map((n) => `namespace ${n}`);
      const matched = pods.filter(
        (p) => inNamespaces.includes(p.metadata.namespace) && selects(peer.podSelector!, p.metadata.labels),
      );
      return matched.length > 0 ? unique(matched.map(app)) : inNamespaces.map((n) => `${n}: no pod`);
    };
    const got: Record<string, unknown> = {};
    for (const policy of objectsOf(demo).filter((o) => o.kind === 'NetworkPolicy')) {
      const ns = policy.metadata.namespace!;
      const spec = policy.spec as {
        podSelector: LabelSelector;
        ingress?: Array<{ from?: Peer[] }>;
        egress?: Array<{ to?: Peer[] }>;
      };
      got[`${ns}/${policy.metadata.name}`] = {
        selects: unique(
          pods
            .filter((p) => p.metadata.namespace === ns && selects(spec.podSelector, p.metadata.labels))
            .map(app),
        ),
        ingress: (spec.ingress ?? []).map((r) => unique((r.from ?? []).flatMap((p) => describePeer(ns, p)))),
        egress: (spec.egress ?? []).map((r) => unique((r.to ?? []).flatMap((p) => describePeer(ns, p)))),
      };
    }
    const c = COHORT_NAMESPACE;
    const vpc = `ipBlock ${loadEnvironmentFile(ENVIRONMENT).vpcCidr}`;
    const internet = 'ipBlock 0.0.0.0/0';
    const podIdentity = 'ipBlock 169.254.170.23/32';
    const dns = ['kube-system: no pod'];
    const learnerNamespaces = LEARNER_NAMESPACES.map((n) => `namespace ${n}`).sort();
    const services = [
      `${c}/feast`,
      `${c}/feast-apply`,
      `${c}/mlflow`,
      `${c}/mlflow-db-bootstrap`,
      `${c}/redis`,
    ];
    expect(got).toEqual({
      [`${c}/default-deny`]: { selects: services, ingress: [], egress: [dns] },
      [`${c}/mlflow`]: {
        selects: [`${c}/mlflow`],
        ingress: [[vpc], learnerNamespaces],
        egress: [[vpc], [internet], [podIdentity]],
      },
      [`${c}/mlflow-db-bootstrap`]: { selects: [`${c}/mlflow-db-bootstrap`], ingress: [], egress: [[vpc]] },
      [`${c}/feast`]: {
        selects: [`${c}/feast`],
        ingress: [learnerNamespaces, services],
        egress: [[`${c}/redis`], [internet], [podIdentity]],
      },
      [`${c}/feast-apply`]: {
        selects: [`${c}/feast-apply`],
        ingress: [],
        egress: [[`${c}/redis`], [internet], [podIdentity]],
      },
      [`${c}/redis`]: { selects: [`${c}/redis`], ingress: [[`${c}/feast`, `${c}/feast-apply`]], egress: [] },
      ...Object.fromEntries(
        LEARNER_NAMESPACES.flatMap((ns) => {
          // Lab 2: a learner with a repository (Grace) has model-server pods, admitted on 8080
          // from her own namespace's pods only.
          const serving = SERVING_NAMESPACES.includes(ns);
          const own = serving ? [`${ns}/lab-job`, `${ns}/model-server`] : [`${ns}/lab-job`];
          return [
            [`${ns}/default-deny`, { selects: own, ingress: [], egress: [dns] }],
            [
              `${ns}/allow-lab-services`,
              {
                selects: own,
                ingress: [],
                egress: [[`${c}/mlflow`], [`${c}/feast`], [internet], [podIdentity]],
              },
            ],
            ...(serving
              ? [[`${ns}/model-server`, { selects: [`${ns}/model-server`], ingress: [own], egress: [] }]]
              : []),
          ];
        }),
      ),
    });
  });

  test("taking a learner off the roster deletes exactly that learner's objects (their manifest), and nobody else's", async () => {
    // The roster without its last learner, through the same command.
    const leaving = demoConfig.learners[demoConfig.learners.length - 1];
    const doc = parse(readFileSync(DEMO, 'utf8')) as { learners: Array<{ email: string }> };
    doc.learners = doc.learners.filter((l) => l.email !== leaving.email);
    const rosterFile = join(out, 'demo-without-one.yaml');
    writeFileSync(rosterFile, stringify(doc));
    const after = synthCohortManifests(rosterFile, join(out, 'demo-after'), {
      today: TODAY,
      environmentFile: ENVIRONMENT,
    });

    // One KubernetesManifest per learner: the leaver's disappears (CloudFormation deletes it, and
    // the kubectl provider runs `kubectl delete -f` of it); everyone else's is unchanged, so
    // CloudFormation does not touch it.
    const removed = demo.filter((m) => !after.some((a) => a.chart === m.chart));
    expect(removed.map((m) => m.chart)).toEqual([`learner-${leaving.slug}`]);
    for (const m of after) {
      expect(m.objects).toEqual(demo.find((d) => d.chart === m.chart)!.objects);
    }
    const uids = async (objects: readonly K8sObject[]) =>
      Promise.all(objects.map(async (o) => (await admin.get(ref(o)))?.metadata.uid as string | undefined));
    const keptBefore = await uids(objectsOf(after));
    const podsBefore = (await admin.list<Pod>('v1', 'Pod')).filter(
      (p) => p.metadata.namespace !== leaving.namespace,
    );
    const storesBefore = (await admin.list('external-secrets.io/v1', 'ClusterSecretStore')).map(
      (s) => s.metadata.name,
    );

    await deleteManifest(admin, removed[0]);

    const gone = await Promise.all(
      removed[0].objects.map(async (o) => (await admin.get(ref(o))) === undefined),
    );
    expect(gone.every(Boolean)).toBe(true);
    expect(await uids(objectsOf(after))).toEqual(keptBefore);
    expect((await admin.list<Pod>('v1', 'Pod')).map((p) => p.metadata.uid).sort()).toEqual(
      podsBefore.map((p) => p.metadata.uid).sort(),
    );
    expect(
      (await admin.list('external-secrets.io/v1', 'ClusterSecretStore')).map((s) => s.metadata.name),
    ).toEqual(storesBefore.filter((n) => n !== `learner-${leaving.slug}`));
    demo = after;
  });
});

let sandbox: ChartManifest[];

describe('the sandbox cohort on Kubernetes 1.36', () => {
  beforeAll(async () => {
    // `cdk destroy` of the demo: every manifest deleted, the learners' first (reverse order).
    for (const m of [...demo].reverse()) await deleteManifest(admin, m);
    sandbox = synthCohortManifests(SANDBOX, join(out, 'sandbox'), {
      today: TODAY,
      environmentFile: ENVIRONMENT,
    });
  }, 300_000);

  test('a workload applied before its namespace is refused: the order matters', async () => {
    const first = sandbox.find((m) => m.chart === 'mlflow')!.objects[0];
    await expect(admin.apply(first)).rejects.toThrow(`namespaces "${COHORT_NAMESPACE}" not found`);
  });

  test('every object is admitted in the cohort order with no warning, and the controllers create every pod', async () => {
    expect(sandbox.map((m) => m.chart)).toEqual(['namespaces', 'mlflow', 'feast', 'learner-grace-hopper']);
    expect(await applyAll(sandbox)).toEqual([]);
    const counts = await expectPodsOf(workloadsOf(sandbox));
    expect(counts['Deployment mlflow']).toBe(1);
    expect(Object.keys(counts)).toHaveLength(workloadsOf(sandbox).length);
    const failed = await admin.list<{ message: string }>('v1', 'Event', {
      fieldSelector: 'reason=FailedCreate',
    });
    expect(failed.map((e) => e.message)).toEqual([]);
  });

  test("Pod Security refuses the privileged, root and hostPath pods in the sandbox's learner namespace (and in cohort-lab)", async () => {
    const namespaces = objectsOf(sandbox)
      .filter((o) => o.kind === 'Namespace' && o.metadata.name !== COHORT_NAMESPACE)
      .map((o) => o.metadata.name);
    expect(namespaces).toEqual(['learner-grace-hopper']);
    const { got, want } = await podSecurityAnswers(namespaces);
    expect(got).toEqual(want);
  });
});

describe('the demo cohort as its stacks deploy it', () => {
  let stacks: StackManifest[];

  beforeAll(async () => {
    for (const m of [...sandbox].reverse()) await deleteManifest(admin, m);
    stacks = stackManifests(synthCohort(demoConfig).templates, loadEnvironmentFile(ENVIRONMENT));
  }, 300_000);

  afterAll(async () => {
    // The cluster stack's objects have no cohort label for removeLeftovers to find.
    if (stacks) for (const m of [...stacks].reverse()) await deleteManifest(admin, m);
  }, 300_000);

  test('every KubernetesManifest of the synthesised stacks (prune labels and deploy-time values as the kubectl provider gets them) is admitted in deployment order with no warning, and the controllers create every pod', async () => {
    // GIVEN the manifests CloudFormation hands the kubectl provider: the cluster stack's (the load
    // balancer controller's service account, the cohort's ClusterSecretStore, after the add-ons'
    // charts), the apps stack's (namespaces before MLflow and Feast), one per learner, shard by shard
    const stackOf = (m: StackManifest) => m.stack.replace(`cohortlab-${demoConfig.name}-`, '');
    const byShard = [...demoConfig.learners].sort((a, b) => a.shard - b.shard);
    expect(
      stacks.map((m) => `${stackOf(m)}: ${m.objects.map((o) => `${o.kind} ${o.metadata.name}`)[0]}`),
    ).toEqual([
      'cluster: ServiceAccount aws-load-balancer-controller',
      `cluster: ClusterSecretStore ${loadEnvironmentFile(ENVIRONMENT).secretStoreName}`,
      `apps: Namespace ${COHORT_NAMESPACE}`,
      ...stacks
        .filter((m) => /^(Mlflow|Feast)/.test(m.logicalId))
        .map((m) => `apps: ${m.objects[0].kind} ${m.objects[0].metadata.name}`),
      ...byShard.map((l) => `learners-${l.shard}: Namespace ${l.namespace}`),
    ]);
    expect(
      stacks
        .filter((m) => /^(Mlflow|Feast)/.test(m.logicalId))
        .map((m) => m.logicalId.replace(/[0-9A-F]{8}$/, '')),
    ).toEqual(['Mlflow', 'Feast']);
    const pruned = stacks.filter((m) => m.stack.endsWith('-apps') || m.stack.includes('-learners-'));
    const unlabelled = pruned
      .flatMap((m) => m.objects)
      .filter(
        (o) =>
          !Object.keys((o.metadata.labels as Record<string, string> | undefined) ?? {}).some((k) =>
            k.startsWith('aws.cdk.eks/prune-'),
          ),
      );
    expect(unlabelled.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);

    // WHEN they are applied in that order
    // THEN each object is admitted without a warning, and every workload gets its pods
    expect(await applyAll(stacks)).toEqual([]);
    const counts = await expectPodsOf(workloadsOf(stacks));
    expect(Object.keys(counts)).toHaveLength(workloadsOf(stacks).length);
    expect(counts['Deployment mlflow']).toBe(demoConfig.mlflow.replicas);
    const failed = await admin.list<{ message: string }>('v1', 'Event', {
      fieldSelector: 'reason=FailedCreate',
    });
    expect(failed.map((e) => e.message)).toEqual([]);
  });
});
