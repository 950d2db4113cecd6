/**
 * The report's sections read off the synthesised templates: encryption of each resource that
 * holds data, rotation schedules, who can do what (IAM roles and the resource policies), and
 * retention and expiry. Pure functions of the templates.
 */
import { CfnResource, SynthesisedTemplate } from '../cfn-template';
import { refText, Section } from './model';

type Located = { readonly stack: string; readonly id: string; readonly r: CfnResource };

function all(templates: readonly SynthesisedTemplate[], ...types: string[]): Located[] {
  return templates.flatMap((t) =>
    Object.entries(t.template.Resources ?? {})
      .filter(([, r]) => types.includes(r.Type))
      .map(([id, r]) => ({ stack: t.stackName, id, r })),
  );
}

const prop = (r: CfnResource, key: string): unknown => r.Properties?.[key];
const dig = (v: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>(
    (o, k) => (o === undefined || o === null ? undefined : (o as Record<string, unknown>)[k]),
    v,
  );

/** How one resource's data is encrypted at rest, and with which key. */
function encryptionOf(r: CfnResource): string {
  switch (r.Type) {
    case 'AWS::S3::Bucket': {
      const d = dig(
        prop(r, 'BucketEncryption'),
        'ServerSideEncryptionConfiguration',
        0,
        'ServerSideEncryptionByDefault',
      );
      return d === undefined
        ? 'S3 default (SSE-S3)'
        : `${refText(dig(d, 'SSEAlgorithm'))}${dig(d, 'KMSMasterKeyID') ? `, key ${refText(dig(d, 'KMSMasterKeyID'))}` : ''}`;
    }
    case 'AWS::KMS::Key':
      return `customer-managed key; yearly rotation ${prop(r, 'EnableKeyRotation') === true ? 'on' : 'OFF'}`;
    case 'AWS::SecretsManager::Secret':
      return prop(r, 'KmsKeyId')
        ? `key ${refText(prop(r, 'KmsKeyId'))}`
        : 'AWS managed key aws/secretsmanager';
    case 'AWS::SNS::Topic':
      return prop(r, 'KmsMasterKeyId') ? `key ${refText(prop(r, 'KmsMasterKeyId'))}` : 'NOT ENCRYPTED';
    case 'AWS::SQS::Queue':
      return prop(r, 'KmsMasterKeyId')
        ? `key ${refText(prop(r, 'KmsMasterKeyId'))}`
        : prop(r, 'SqsManagedSseEnabled') === false
          ? 'NOT ENCRYPTED'
          : 'SQS managed (SSE-SQS)';
    case 'AWS::Logs::LogGroup':
      return prop(r, 'KmsKeyId')
        ? `key ${refText(prop(r, 'KmsKeyId'))}`
        : 'CloudWatch Logs default encryption';
    case 'AWS::RDS::DBInstance':
      return prop(r, 'StorageEncrypted') === true
        ? `storage encrypted, key ${refText(prop(r, 'KmsKeyId') ?? 'aws/rds')}`
        : 'NOT ENCRYPTED';
    case 'AWS::EKS::Cluster': {
      const key = dig(prop(r, 'EncryptionConfig'), 0, 'Provider', 'KeyArn');
      return key === undefined
        ? 'Kubernetes secrets NOT envelope-encrypted'
        : `Kubernetes secrets envelope-encrypted, key ${refText(key)}`;
    }
    case 'AWS::EC2::LaunchTemplate': {
      const ebs = dig(prop(r, 'LaunchTemplateData'), 'BlockDeviceMappings', 0, 'Ebs');
      return ebs === undefined ? 'EBS: account default' : `EBS encrypted=${refText(dig(ebs, 'Encrypted'))}`;
    }
    default:
      return '-';
  }
}

const DATA_TYPES = [
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::Logs::LogGroup',
  'AWS::RDS::DBInstance',
  'AWS::EKS::Cluster',
  'AWS::EC2::LaunchTemplate',
];

export function encryptionSection(templates: readonly SynthesisedTemplate[]): Section {
  const rows = all(templates, ...DATA_TYPES).map(({ stack, id, r }) => [stack, id, r.Type, encryptionOf(r)]);
  return {
    id: 'encryption',
    title: 'Encryption at rest',
    intro: [
      `${rows.length} resources that hold data, each with how it is encrypted. In transit: the bucket refuses requests without TLS 1.2 (bucket policy), MLflow is served over TLS by the Ingress, PostgreSQL takes TLS logins only.`,
    ],
    tables: [{ table: { columns: ['Stack', 'Resource', 'Type', 'Encryption'], rows } }],
  };
}

export function rotationSection(templates: readonly SynthesisedTemplate[]): Section {
  const schedules = all(templates, 'AWS::SecretsManager::RotationSchedule').map(({ stack, id, r }) => {
    const rules = prop(r, 'RotationRules') as Record<string, unknown> | undefined;
    const every =
      rules?.AutomaticallyAfterDays !== undefined
        ? `every ${refText(rules.AutomaticallyAfterDays)} days`
        : refText(rules?.ScheduleExpression);
    const how = prop(r, 'HostedRotationLambda')
      ? `AWS hosted rotation (${refText(dig(prop(r, 'HostedRotationLambda'), 'RotationType'))})`
      : `function ${refText(prop(r, 'RotationLambdaARN'))}`;
    return [stack, refText(prop(r, 'SecretId')), every, how, id];
  });
  const keys = all(templates, 'AWS::KMS::Key').map(({ stack, id, r }) => [
    stack,
    id,
    prop(r, 'EnableKeyRotation') === true
      ? `every ${refText(prop(r, 'RotationPeriodInDays') ?? 365)} days`
      : 'OFF',
    'AWS KMS automatic key rotation',
    '-',
  ]);
  return {
    id: 'rotation',
    title: 'Rotation schedules',
    intro: [
      `${schedules.length} secret rotation schedules and ${keys.length} KMS key(s). A rotation that fails raises an alarm and a RotationFailed event on the cohort's alert topic; \`cohort-lab validate\` checks every secret's last rotation finished within its schedule.`,
    ],
    tables: [
      {
        table: {
          columns: ['Stack', 'Secret or key', 'Schedule', 'Rotated by', 'Schedule resource'],
          rows: [...schedules, ...keys],
        },
      },
    ],
  };
}

export function retentionSection(
  templates: readonly SynthesisedTemplate[],
  expiry: { readonly start: string; readonly end: string; readonly expires: string },
): Section {
  const stateful = all(
    templates,
    'AWS::S3::Bucket',
    'AWS::KMS::Key',
    'AWS::RDS::DBInstance',
    'AWS::Logs::LogGroup',
    'AWS::SecretsManager::Secret',
  );
  const rows = stateful.map(({ stack, id, r }) => {
    const extra: string[] = [];
    const full = r as CfnResource & { DeletionPolicy?: string; UpdateReplacePolicy?: string };
    if (r.Type === 'AWS::Logs::LogGroup')
      extra.push(
        prop(r, 'RetentionInDays')
          ? `logs kept ${refText(prop(r, 'RetentionInDays'))} days`
          : 'logs kept FOREVER',
      );
    if (r.Type === 'AWS::RDS::DBInstance') {
      extra.push(
        `backups ${refText(prop(r, 'BackupRetentionPeriod') ?? 1)} days`,
        `deletion protection ${refText(prop(r, 'DeletionProtection') ?? false)}`,
      );
    }
    if (r.Type === 'AWS::KMS::Key')
      extra.push(`deletion waits ${refText(prop(r, 'PendingWindowInDays') ?? 30)} days`);
    if (r.Type === 'AWS::S3::Bucket') {
      const rules =
        (dig(prop(r, 'LifecycleConfiguration'), 'Rules') as Array<Record<string, unknown>> | undefined) ?? [];
      for (const rule of rules) {
        const parts = [
          rule.Prefix ? `prefix ${refText(rule.Prefix)}` : undefined,
          rule.ExpirationInDays ? `objects expire after ${refText(rule.ExpirationInDays)} days` : undefined,
          dig(rule, 'NoncurrentVersionExpiration', 'NoncurrentDays')
            ? `old versions after ${refText(dig(rule, 'NoncurrentVersionExpiration', 'NoncurrentDays'))} days`
            : undefined,
          rule.AbortIncompleteMultipartUpload
            ? `incomplete uploads after ${refText(dig(rule, 'AbortIncompleteMultipartUpload', 'DaysAfterInitiation'))} days`
            : undefined,
        ].filter((x): x is string => x !== undefined);
        if (parts.length > 0) extra.push(`lifecycle: ${parts.join(', ')}`);
      }
    }
    return [stack, id, r.Type, full.DeletionPolicy ?? 'Delete', extra.join('; ') || '-'];
  });
  return {
    id: 'retention',
    title: 'Retention and expiry',
    intro: [
      `The course runs ${expiry.start} to ${expiry.end}; every resource carries \`lab:expires=${expiry.expires}\`, the date ops list and tear down by. On stack deletion each stateful resource is kept or deleted as its deletion policy says.`,
    ],
    tables: [{ table: { columns: ['Stack', 'Resource', 'Type', 'On stack deletion', 'Retention'], rows } }],
  };
}
