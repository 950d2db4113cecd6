/**
 * Stands in for the External Secrets Operator: turns the chart's ExternalSecret objects plus the
 * values of the Secrets Manager secrets into the Kubernetes Secrets ESO would write, including
 * `spec.target.template.data` files. Only the template form the charts use is supported: Go
 * template references `{{ .key }}`; anything else throws, so a chart cannot silently rely on a
 * template feature this stand-in does not render.
 */
import { K8sObject } from './manifest';
import { SecretValues } from './container';

/** Secrets Manager values by secret name, then JSON property. */
export type RemoteSecrets = Record<string, Record<string, string>>;

interface ExternalSecretSpec {
  readonly target: { readonly name: string; readonly template?: { readonly data?: Record<string, string> } };
  readonly data: ReadonlyArray<{
    readonly secretKey: string;
    readonly remoteRef: { key: string; property?: string };
  }>;
}

/** The Secrets ESO would write for every ExternalSecret in `objects`. */
export function renderExternalSecrets(objects: readonly K8sObject[], remote: RemoteSecrets): SecretValues {
  const out: SecretValues = {};
  for (const o of objects.filter((x) => x.kind === 'ExternalSecret')) {
    const spec = o.spec as ExternalSecretSpec;
    const keys: Record<string, string> = {};
    for (const d of spec.data) {
      const value = d.remoteRef.property
        ? remote[d.remoteRef.key]?.[d.remoteRef.property]
        : JSON.stringify(remote[d.remoteRef.key]);
      if (value === undefined) {
        throw new Error(
          `${o.metadata.name}: no test value for ${d.remoteRef.key}.${d.remoteRef.property ?? ''}`,
        );
      }
      keys[d.secretKey] = value;
    }
    const template = spec.target.template?.data;
    out[spec.target.name] = template
      ? Object.fromEntries(
          Object.entries(template).map(([k, t]) => [k, renderTemplate(t, keys, o.metadata.name)]),
        )
      : keys;
  }
  return out;
}

function renderTemplate(template: string, keys: Record<string, string>, name: string): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_all, expr: string) => {
    const m = /^\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(expr);
    if (!m || !(m[1] in keys)) {
      throw new Error(`${name}: template expression {{${expr}}} is not supported by the ESO stand-in`);
    }
    return keys[m[1]];
  });
}
