import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * The AWS SDK v3 clients the lifecycle commands (`list`, `sweep`, `teardown`) use, made the one
 * way: the standard credential chain, `--region` and `--profile` when given, and `AWS_ENDPOINT_URL`
 * (or a service's own `AWS_ENDPOINT_URL_<SERVICE>`), which the SDK reads itself, so the tests point
 * them at moto's server. Every call goes through {@link AwsCallLog} when one is given, so a test can
 * assert the order of the calls a command made.
 */

/** Where and as whom the commands call AWS. */
export interface AwsOptions {
  /** @default the SDK's (AWS_REGION, the profile's region) */
  readonly region?: string;
  /** A named profile of the shared AWS config. @default the standard credential chain */
  readonly profile?: string;
  /** Records each call (`<Service>.<Command>` and its input). @default - not recorded */
  readonly callLog?: AwsCallLog;
}

/** One AWS call a command made. */
export interface AwsCall {
  /** `CloudFormation.DeleteStack`. */
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/** The calls commands made, in order. */
export class AwsCallLog {
  public readonly calls: AwsCall[] = [];

  /** Names of the calls that change something (not Describe/List/Get/Head). */
  public changes(): AwsCall[] {
    return this.calls.filter((c) => !/\.(Describe|List|Get|Head)/.test(c.name));
  }
}

/** The clients, by service. */
export interface AwsClients {
  readonly cfn: CloudFormationClient;
  readonly ec2: EC2Client;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly s3: S3Client;
  readonly rds: RDSClient;
  readonly logs: CloudWatchLogsClient;
  readonly kms: KMSClient;
  readonly secrets: SecretsManagerClient;
  /** The region the clients call. */
  readonly region: () => Promise<string>;
  destroy(): void;
}

interface Middlewareish {
  middlewareStack: {
    add(
      mw: (
        next: (args: { input: object }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input: object }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Create the clients for `opts`. */
export function awsClients(opts: AwsOptions = {}): AwsClients {
  const config = {
    ...(opts.region === undefined ? {} : { region: opts.region }),
    ...(opts.profile === undefined ? {} : { profile: opts.profile }),
  };
  // S3 on moto (and any endpoint that is not virtual-host capable) needs path-style addressing.
  const s3PathStyle =
    process.env.AWS_ENDPOINT_URL !== undefined || process.env.AWS_ENDPOINT_URL_S3 !== undefined;
  const clients = {
    cfn: new CloudFormationClient(config),
    ec2: new EC2Client(config),
    elb: new ElasticLoadBalancingV2Client(config),
    s3: new S3Client({ ...config, forcePathStyle: s3PathStyle }),
    rds: new RDSClient(config),
    logs: new CloudWatchLogsClient(config),
    kms: new KMSClient(config),
    secrets: new SecretsManagerClient(config),
  };
  const log = opts.callLog;
  if (log !== undefined) {
    for (const [service, client] of Object.entries(SERVICE_NAMES).map(
      ([key, name]) => [name, clients[key as keyof typeof clients]] as const,
    )) {
      (client as unknown as Middlewareish).middlewareStack.add(
        (next, context) => async (args) => {
          log.calls.push({
            name: `${service}.${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`,
            input: args.input as Record<string, unknown>,
          });
          return next(args);
        },
        { step: 'initialize', name: 'cohortLabCallLog' },
      );
    }
  }
  return {
    ...clients,
    region: async () => {
      const region = clients.cfn.config.region;
      return typeof region === 'function' ? await region() : region;
    },
    destroy: () => Object.values(clients).forEach((c) => c.destroy()),
  };
}

const SERVICE_NAMES = {
  cfn: 'CloudFormation',
  ec2: 'EC2',
  elb: 'ELBv2',
  s3: 'S3',
  rds: 'RDS',
  logs: 'Logs',
  kms: 'KMS',
  secrets: 'SecretsManager',
} as const;
