/**
 * Template values that hold JSON text, parsed back into objects so tests assert on fields rather
 * than on substrings of the text: the Manifest of a Kubernetes resource, the Value of a CfnJson.
 *
 * Such a value is a JSON string, or, when the JSON holds deploy-time values, an `Fn::Join` of JSON
 * text and intrinsics (each intrinsic stands inside a JSON string). Parsed, a string that was one
 * intrinsic becomes that intrinsic, and a string that mixes text and intrinsics becomes
 * `{ 'Fn::Join': ['', [text, intrinsic, ...]] }`, as CloudFormation would build it. An object key
 * cannot be an intrinsic: there each one is written out as `${<its JSON>}`.
 */

// Private-use characters: valid unescaped inside a JSON string and absent from our manifests.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g');

/** The value of `json` (a JSON string or an `Fn::Join` of JSON text and intrinsics), parsed. */
export function parseTemplateJson(json: unknown): unknown {
  if (typeof json === 'string') {
    return JSON.parse(json);
  }
  const join = (json as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (join === undefined || join[0] !== '') {
    throw new Error(`parseTemplateJson: neither JSON text nor an Fn::Join of it: ${JSON.stringify(json)}`);
  }
  const intrinsics: unknown[] = [];
  const text = join[1]
    .map((part) => (typeof part === 'string' ? part : `${OPEN}${intrinsics.push(part) - 1}${CLOSE}`))
    .join('');
  return restore(JSON.parse(text), intrinsics);
}

/** The Kubernetes objects of a `Custom::AWSCDK-EKS-KubernetesResource`'s Manifest. */
export function kubernetesObjects(manifest: unknown): KubernetesObject[] {
  return parseTemplateJson(manifest) as KubernetesObject[];
}

/** A Kubernetes object as the manifest holds it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, unknown>;
  };
  readonly [field: string]: unknown;
}

/**
 * `value` (a string, an intrinsic, or an `Fn::Join` of both) as text, each intrinsic written the
 * way Fn::Sub would: `${Id}` for a Ref, `${Id.Attribute}` for a GetAtt, `${<its JSON>}` otherwise.
 * For text the template builds from pieces (a YAML file in a ConfigMap), so it can be parsed.
 */
export function templateText(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const intrinsic = value as Record<string, unknown>;
  const join = intrinsic['Fn::Join'] as [string, unknown[]] | undefined;
  if (join !== undefined) {
    return join[1].map(templateText).join(join[0]);
  }
  if (typeof intrinsic.Ref === 'string') {
    return `\${${intrinsic.Ref}}`;
  }
  const getAtt = intrinsic['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt !== undefined) {
    return `\${${getAtt[0]}.${getAtt[1]}}`;
  }
  return `\${${JSON.stringify(value)}}`;
}

function restore(value: unknown, intrinsics: readonly unknown[]): unknown {
  if (typeof value === 'string') {
    if (!value.includes(OPEN)) {
      return value;
    }
    const parts: unknown[] = [];
    let last = 0;
    for (const m of value.matchAll(PLACEHOLDER)) {
      if (m.index > last) parts.push(value.slice(last, m.index));
      parts.push(intrinsics[Number(m[1])]);
      last = m.index + m[0].length;
    }
    if (last < value.length) parts.push(value.slice(last));
    return parts.length === 1 ? parts[0] : { 'Fn::Join': ['', parts] };
  }
  if (Array.isArray(value)) {
    return value.map((v) => restore(v, intrinsics));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k.replace(PLACEHOLDER, (_m, i: string) => `\${${JSON.stringify(intrinsics[Number(i)])}}`),
        restore(v, intrinsics),
      ]),
    );
  }
  return value;
}
