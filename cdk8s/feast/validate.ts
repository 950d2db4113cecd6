import { FEAST_PROJECT_PATTERN } from '../../lib/core';
import { isDeployTimeToken, OidcValues } from '../common/values';

/** The inputs of the Feast chart that {@link validateFeastInputs} checks. */
export interface FeastInputs {
  /** Feast project of the cohort file. */
  readonly project: string;
  /** The cohort file the project comes from, for the message. */
  readonly sourceFile: string;
  /** The Feast image to run. */
  readonly image: string;
  /** OpenID provider of the bearer tokens; CDK tokens are checked at deploy time, not here. */
  readonly oidc: OidcValues;
  /**
   * Feature server replicas asked for.
   * @default - not checked (the cohort file's value, validated with the file)
   */
  readonly replicas?: number;
}

/** Throws on the first input the Feast chart cannot run with, naming the field and the value. */
export function validateFeastInputs(inputs: FeastInputs): void {
  const { project, oidc } = inputs;
  if (!FEAST_PROJECT_PATTERN.test(project)) {
    throw new Error(
      `FeastChart: feast.project "${project}" (from ${inputs.sourceFile}) must start with a letter and contain only letters, digits and "_" (at most 63 characters)`,
    );
  }
  if (inputs.image.trim() === '') {
    throw new Error('FeastChart: infra.images.feast is empty; give the Feast image to run');
  }
  for (const [field, url] of [
    ['infra.oidc.discoveryUrl', oidc.discoveryUrl],
    ['infra.oidc.issuer', oidc.issuer],
  ] as const) {
    if (isDeployTimeToken(url)) continue;
    if (!isSecureUrl(url)) {
      throw new Error(
        `FeastChart: ${field} "${url}" must be an https:// URL (plain http only on loopback, for tests)`,
      );
    }
  }
  const discovery = oidc.discoveryUrl;
  if (!isDeployTimeToken(discovery) && !discovery.endsWith('/.well-known/openid-configuration')) {
    throw new Error(
      `FeastChart: infra.oidc.discoveryUrl "${discovery}" must end in /.well-known/openid-configuration`,
    );
  }
  const { replicas } = inputs;
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 1)) {
    throw new Error(`FeastChart: replicas ${replicas} must be a whole number of at least 1`);
  }
}

/** An https:// URL, or plain http:// on loopback (the tests' local OpenID provider). */
function isSecureUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}
