/**
 * Where a secret value could reach a log, read off Kubernetes objects as the stacks apply them.
 * Pod logs are what a container writes to stdout and stderr (Fluent Bit ships nothing else:
 * test/lib/stacks/observability.test.ts), and the kubectl provider logs the manifests it applies;
 * so a secret value stays out of every log when:
 *
 * - no manifest holds one: no `Secret` object (values arrive through ExternalSecrets only), no
 *   literal value for an environment variable whose name says it is secret, no secret-looking
 *   assignment of a literal in a ConfigMap;
 * - no command line holds one: no `$(VAR)` of a Secret-backed variable in `command`, `args` or
 *   another variable (a command line is readable in `ps`, and servers print theirs);
 * - nothing logs at a level that prints requests or settings: no `debug`, `trace` or `verbose`
 *   level, no `--dev` server.
 *
 * Each finding names the object, container and field, never a value.
 */
import { templateText } from './template-json';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifest JSON
type Json = any;

/** Names of variables that hold a secret: passwords, keys, tokens, credentials. */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|(^|_)(API_)?KEY$/i;
/** A log level or mode that prints more than errors and access lines. */
const CHATTY = /(^|[\s=:"'-])(debug|trace|verbose)($|[\s"',])|--dev\b|--reload\b/i;
/** `key = value` / `key: value` where the key says secret and the value is a literal. */
const SECRET_ASSIGNMENT =
  /^\s*[\w.-]*(password|passwd|secret|token|credential|api_?key)[\w.-]*\s*[=:]\s*(?!\$\{|\s*$)(.+)$/gim;

export interface ObjectLike {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

function podSpecOf(o: ObjectLike): Json | undefined {
  const spec = o.spec as Json;
  return (
    spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec ?? (o.kind === 'Pod' ? spec : undefined)
  );
}

/** Every finding in `objects`, as `<Kind>/<name> <where>: <what>`. */
export function secretLeaks(objects: readonly ObjectLike[]): string[] {
  const found: string[] = [];
  for (const o of objects) {
    const at = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'Secret') {
      found.push(`${at}: a Secret in the manifest (its values would be in the template and the apply log)`);
    }
    if (o.kind === 'ConfigMap') {
      for (const [key, value] of Object.entries((o.data ?? {}) as Record<string, unknown>)) {
        const text = templateText(value);
        for (const m of text.matchAll(SECRET_ASSIGNMENT)) {
          found.push(`${at} data.${key}: a literal assigned to ${m[0].split(/[=:]/)[0].trim()}`);
        }
        if (
          /^\s*loglevel\s+(debug|verbose)\b/im.test(text) ||
          /^\s*log_?level\s*[=:]\s*(debug|trace)\b/im.test(text)
        ) {
          found.push(`${at} data.${key}: a debug or verbose log level`);
        }
      }
    }
    const pod = podSpecOf(o);
    if (pod === undefined) continue;
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const where = `${at} container ${c.name}`;
      const env: Json[] = c.env ?? [];
      const fromSecret = env
        .filter((e) => e.valueFrom?.secretKeyRef !== undefined)
        .map((e) => e.name as string);
      for (const e of env) {
        if (SECRET_NAME.test(e.name) && e.valueFrom?.secretKeyRef === undefined) {
          found.push(`${where} env ${e.name}: a secret-named variable not taken from a Secret`);
        }
        if (e.value !== undefined) {
          const text = templateText(e.value);
          for (const name of fromSecret.filter((n) => text.includes(`$(${n})`))) {
            found.push(`${where} env ${e.name}: expands $(${name}), a Secret's value`);
          }
          if (/LOG/i.test(e.name) && CHATTY.test(text)) {
            found.push(`${where} env ${e.name}: a debug or verbose log level`);
          }
        }
      }
      const line: string[] = [...(c.command ?? []), ...(c.args ?? [])].map(templateText);
      for (const arg of line) {
        for (const name of fromSecret.filter((n) => arg.includes(`$(${n})`))) {
          found.push(`${where} command line: expands $(${name}), a Secret's value`);
        }
        // `--log-level debug` is two arguments: the level alone is enough to find it.
        if (CHATTY.test(arg)) {
          found.push(`${where} command line: ${arg} logs more than errors and access lines`);
        }
      }
    }
  }
  return found;
}
