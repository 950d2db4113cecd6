/**
 * What `cohort-lab report` says about a cohort, as data: every section the Markdown and the HTML
 * render (render-markdown.ts, render-html.ts). Built from the synthesised app only (no clock, no
 * temporary paths), so the report of one cohort file is the same bytes every time.
 */

/** A table: a heading row and text cells. */
export interface Table {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** One section of the report. */
export interface Section {
  readonly id: string;
  readonly title: string;
  /** Paragraphs before the tables. */
  readonly intro: readonly string[];
  readonly tables: ReadonlyArray<{ readonly caption?: string; readonly table: Table }>;
}

export interface ComplianceReport {
  readonly title: string;
  /** Lines under the title: cohort, profile, owner, course, expiry, how it was produced. */
  readonly summary: readonly string[];
  readonly sections: readonly Section[];
}

/** A cell for a template value: a string as is, a reference as the logical id it names. */
export function refText(v: unknown): string {
  if (v === undefined || v === null) return '-';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  const o = v as Record<string, unknown>;
  if (typeof o.Ref === 'string') return o.Ref;
  const getAtt = o['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `${String(getAtt[0])}.${String(getAtt[1])}`;
  const target = outputTarget(v);
  if (target !== undefined)
    return `${target.id}${target.attribute ? `.${target.attribute}` : ''} (${target.stack})`;
  if (Array.isArray(o['Fn::Join'])) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => refText(p)).join(sep);
  }
  return JSON.stringify(v);
}

/**
 * What a cross-stack reference names: CDK passes a value between stacks as an output of the
 * producing stack, named `PublishOutput[Fn]<Ref|GetAtt><logical id><attribute><8 hex>`, which
 * the consumer reads with `Fn::GetStackOutput`.
 */
export function outputTarget(v: unknown): { stack: string; id: string; attribute?: string } | undefined {
  const get = (v as Record<string, unknown> | null)?.['Fn::GetStackOutput'] as
    { StackName?: unknown; OutputName?: unknown } | undefined;
  if (get === undefined || typeof get.StackName !== 'string' || typeof get.OutputName !== 'string')
    return undefined;
  const m = /^(?:PublishOutput|ExportsOutput)(?:Fn)?(Ref|GetAtt)(.+?)[0-9A-F]{8}$/.exec(get.OutputName);
  if (!m) return { stack: get.StackName, id: get.OutputName };
  const attr = m[1] === 'GetAtt' ? /(Arn|Name|Id)$/.exec(m[2])?.[1] : undefined;
  return { stack: get.StackName, id: attr ? m[2].slice(0, -attr.length) : m[2], attribute: attr };
}

/** A policy principal as text: `*`, service names, `this account`, or the value. */
export function principalText(p: unknown): string {
  if (p === '*') return '*';
  const o = (p ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  const list = (x: unknown) => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
  for (const a of list(o.AWS)) {
    const t = refText(a);
    parts.push(
      t === '*'
        ? '*'
        : /AWS::AccountId.*:root|:root$/.test(t) && t.includes('AWS::AccountId')
          ? 'this account'
          : t,
    );
  }
  for (const s of list(o.Service)) parts.push(refText(s));
  if (o.Federated !== undefined) parts.push(`federated ${refText(o.Federated)}`);
  return parts.join(', ') || '-';
}
