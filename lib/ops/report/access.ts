/**
 * The access matrix: who can do what. From the templates: every IAM role, who may assume it (a
 * person by their role tag, a workload's Kubernetes service account through Pod Identity or IRSA,
 * an AWS service) and the actions its policies allow, by service; the bucket's and the key's
 * resource policies, statement by statement. From the cohort: what MLflow and Feast let each
 * group do (those permissions live in the applications, not in IAM).
 */
import { CohortConfig } from '../../config';
import { CfnResource, SynthesisedTemplate } from '../cfn-template';
import { outputTarget, principalText, refText, Section } from './model';

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function statementsOf(doc: unknown): Statement[] {
  return list((doc as { Statement?: Statement | Statement[] } | undefined)?.Statement);
}

/** `s3: GetObject, PutObject; kms: Decrypt` from the allowed actions of `statements`. */
function actionsByService(statements: readonly Statement[]): string {
  const by = new Map<string, Set<string>>();
  for (const s of statements.filter((x) => x.Effect !== 'Deny')) {
    for (const a of list(s.Action)) {
      const [service, action] = a.includes(':') ? a.split(':', 2) : [a, '*'];
      by.set(service, (by.get(service) ?? new Set()).add(action));
    }
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, actions]) => `${service}: ${[...actions].sort().join(', ')}`)
    .join('; ');
}

function tagsOf(r: CfnResource): Record<string, string> {
  const tags = (r.Properties?.Tags as Array<{ Key: string; Value: unknown }> | undefined) ?? [];
  return Object.fromEntries(tags.map((t) => [t.Key, refText(t.Value)]));
}

/** Who assumes a role: a person, a workload, an AWS service. */
function whoOf(id: string, r: CfnResource): string {
  const tags = tagsOf(r);
  if (tags['lab:learner']) return 'learner (each: their own role)';
  if (tags['lab:instructor']) return 'instructor (each: their own role)';
  const trust = statementsOf(r.Properties?.AssumeRolePolicyDocument);
  const principals = trust.flatMap((s) => {
    const p = s.Principal as { Service?: unknown; Federated?: unknown; AWS?: unknown } | undefined;
    return [
      ...list(p?.Service as string | string[]),
      ...(p?.Federated ? ['IRSA (the cluster OIDC provider)'] : []),
      ...(p?.AWS ? [`AWS ${refText(p.AWS)}`] : []),
    ];
  });
  const services = [
    ...new Set(principals.map((p) => (p === 'pods.eks.amazonaws.com' ? 'EKS Pod Identity' : p))),
  ];
  return `${id} (${services.join(', ') || 'no trust policy'})`;
}

export function accessSection(templates: readonly SynthesisedTemplate[], config: CohortConfig): Section {
  const resources = templates.flatMap((t) =>
    Object.entries(t.template.Resources ?? {}).map(([id, r]) => ({ stack: t.stackName, id, r })),
  );
  const byId = new Map(resources.map((x) => [`${x.stack}/${x.id}`, x]));
  const rows = new Map<string, string[]>();
  for (const { stack, id, r } of resources.filter((x) => x.r.Type === 'AWS::IAM::Role')) {
    const statements: Statement[] = [];
    for (const p of list(r.Properties?.Policies as Array<{ PolicyDocument: unknown }> | undefined))
      statements.push(...statementsOf(p.PolicyDocument));
    for (const arn of list(r.Properties?.ManagedPolicyArns as unknown[] | undefined)) {
      const target = outputTarget(arn);
      const managed = byId.get(target ? `${target.stack}/${target.id}` : `${stack}/${refText(arn)}`);
      if (managed) statements.push(...statementsOf(managed.r.Properties?.PolicyDocument));
    }
    for (const { r: p } of resources.filter(
      (x) => x.stack === stack && (x.r.Type === 'AWS::IAM::Policy' || x.r.Type === 'AWS::IAM::ManagedPolicy'),
    )) {
      if (list(p.Properties?.Roles as unknown[] | undefined).some((ref) => refText(ref) === id))
        statements.push(...statementsOf(p.Properties?.PolicyDocument));
    }
    const who = whoOf(id, r);
    const actions = actionsByService(statements) || '(managed policies of AWS only)';
    const managedByAws = list(r.Properties?.ManagedPolicyArns as unknown[] | undefined)
      .map((a) => /iam::aws:policy\/([\w+=,.@/-]+)/.exec(refText(a))?.[1])
      .filter((a): a is string => a !== undefined)
      .map((a) => `AWS managed ${a}`);
    const key = `${who}|${actions}`;
    if (!rows.has(key)) rows.set(key, [who, stack, [actions, ...managedByAws].join('; ')]);
  }
  const resourcePolicies = resources
    .filter((x) => x.r.Type === 'AWS::S3::BucketPolicy' || x.r.Type === 'AWS::KMS::Key')
    .flatMap(({ stack, id, r }) =>
      statementsOf(r.Properties?.PolicyDocument ?? r.Properties?.KeyPolicy).map((s) => [
        `${stack}/${id}`,
        s.Effect ?? '-',
        principalText(s.Principal),
        list(s.Action).join(', '),
        s.Condition
          ? Object.entries(s.Condition)
              .map(([op, kv]) => `${op} ${Object.keys(kv).join(', ')}`)
              .join('; ')
          : '-',
      ]),
    );
  const mlflow = config.mlflow.defaultPermission;
  return {
    id: 'access',
    title: 'Access matrix: who can do what',
    intro: [
      'People reach AWS through their own IAM role, tagged with who they are; the shared policies and the bucket and key policies grant by those tags (`${aws:PrincipalTag/lab:learner}`), so no policy grows with the roster. Workloads use EKS Pod Identity (the load balancer controller IRSA), each scoped to its bucket prefix and its own secrets.',
    ],
    tables: [
      {
        caption: 'In the applications',
        table: {
          columns: ['Who', 'MLflow', 'Feast', 'Kubernetes'],
          rows: [
            [
              'instructors',
              'admin: reads and manages every experiment and model, manages users',
              'group instructors, role feast-writer: reads and writes features',
              'cluster admin (with a principal)',
            ],
            [
              'learners',
              `MANAGE on their experiment learners/<slug> and what they create; ${mlflow} on everything else`,
              'group learners: reads features',
              'edits their namespace learner-<slug> only',
            ],
            ['anyone without credentials', 'nothing (401 on every route)', 'nothing (401)', 'nothing'],
          ],
        },
      },
      {
        caption: 'IAM roles (identical roles shown once)',
        table: {
          columns: ['Who assumes it', 'Stack', 'Allowed actions by service'],
          rows: [...rows.values()],
        },
      },
      {
        caption: 'Resource policies (the bucket, the key)',
        table: {
          columns: ['Resource', 'Effect', 'Principal', 'Actions', 'Conditions'],
          rows: resourcePolicies,
        },
      },
    ],
  };
}
