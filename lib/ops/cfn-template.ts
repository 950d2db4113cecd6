/**
 * A synthesised CloudFormation template as the ops commands read it: the parts `plan` counts and
 * checks, and the text of a property CloudFormation builds at deploy time.
 */

/** One resource of a template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

/** A parsed template (the sections the ops commands read). */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Outputs?: Readonly<Record<string, unknown>>;
}

/** One stack's synthesised template: its name, the parsed template and the file's size. */
export interface SynthesisedTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Bytes of the template file as written (what `cdk deploy` uploads). */
  readonly bytes: number;
}

/** Parse a template file's text. */
export function parseTemplate(stackName: string, text: string): SynthesisedTemplate {
  return {
    stackName,
    template: JSON.parse(text) as CfnTemplate,
    bytes: Buffer.byteLength(text, 'utf8'),
  };
}

/**
 * A template value as the string CloudFormation hands on: a string as it is, an `Fn::Join` joined,
 * and any other intrinsic (a Ref, a GetAtt, a stack output) as its JSON text, since its value is
 * only known at deploy time. For the references our templates make (ARNs, names, account ids) the
 * JSON text is longer than the value, so a size measured on this string errs on the large side.
 */
export function templateString(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const join = (value as { 'Fn::Join'?: unknown } | null)?.['Fn::Join'];
  if (Array.isArray(join) && join.length === 2 && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return (join[1] as unknown[]).map(templateString).join(join[0]);
  }
  return JSON.stringify(value);
}

/** The resources of `template` of type `type`, as [logical ID, resource] pairs. */
export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}
