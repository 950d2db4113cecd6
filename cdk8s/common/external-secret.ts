import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** One key of the Kubernetes Secret, taken from a Secrets Manager secret. */
export interface ExternalSecretKey {
  /** Key in the Kubernetes Secret. */
  readonly secretKey: string;
  /** Secrets Manager secret name. */
  readonly remoteName: string;
  /** JSON property of the secret value. @default - the whole value */
  readonly property?: string;
}

/** Properties of {@link ExternalSecret}. */
export interface ExternalSecretProps {
  /** Name of both the ExternalSecret and the Kubernetes Secret it keeps in sync. */
  readonly name: string;
  readonly namespace: string;
  /** ClusterSecretStore to read from. */
  readonly storeName: string;
  /** How often ESO re-reads Secrets Manager, in seconds. */
  readonly refreshIntervalSeconds: number;
  readonly keys: readonly ExternalSecretKey[];
  /**
   * Files rendered from the keys with ESO's template engine (Go templates, `{{ .key }}`), for
   * config files that must carry a secret. @default - the keys are copied as they are
   */
  readonly templateData?: Readonly<Record<string, string>>;
}

/** API version of the External Secrets Operator CRDs the charts emit (ESO >= 0.16). */
export const EXTERNAL_SECRETS_API_VERSION = 'external-secrets.io/v1';

/**
 * An External Secrets Operator `ExternalSecret`: ESO reads the named Secrets Manager secrets with
 * the cohort's Pod Identity role and writes a Kubernetes Secret of the same name, refreshing it
 * every `refreshIntervalSeconds`. Workloads that mount it carry Reloader's annotation so a changed
 * value rolls them (see docs/secrets.md for the bound).
 */
export class ExternalSecret extends Construct {
  /** The Kubernetes Secret ESO writes, for env and volume references. */
  public readonly secret: kplus.ISecret;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    if (props.keys.length === 0) {
      throw new Error(`ExternalSecret ${props.name}: needs at least one key`);
    }
    this.name = props.name;
    new ApiObject(this, 'Resource', {
      apiVersion: EXTERNAL_SECRETS_API_VERSION,
      kind: 'ExternalSecret',
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        refreshInterval: `${props.refreshIntervalSeconds}s`,
        secretStoreRef: { kind: 'ClusterSecretStore', name: props.storeName },
        target: {
          name: props.name,
          creationPolicy: 'Owner',
          deletionPolicy: 'Retain',
          ...(props.templateData
            ? { template: { engineVersion: 'v2', mergePolicy: 'Replace', data: { ...props.templateData } } }
            : {}),
        },
        data: props.keys.map((k) => ({
          secretKey: k.secretKey,
          remoteRef: {
            key: k.remoteName,
            ...(k.property ? { property: k.property } : {}),
            conversionStrategy: 'Default',
            decodingStrategy: 'None',
            metadataPolicy: 'None',
          },
        })),
      },
    });
    this.secret = kplus.Secret.fromSecretName(this, 'Secret', props.name);
  }

  /** An env value read from key `key` of the synced Secret. */
  public env(key: string): kplus.EnvValue {
    return kplus.EnvValue.fromSecretValue({ secret: this.secret, key }, { optional: false });
  }
}
