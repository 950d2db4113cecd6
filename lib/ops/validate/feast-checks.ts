/**
 * The Feast checks: a learner's token reads the sample features (the feature repository the
 * cohort's `feast-apply` Job registers, labs/feature_repo), and a call without a token, or with a
 * token that is not one, is refused.
 */
import { call, shown } from './http';
import { CheckOutcome, fail, pass, skip, ValidationTarget } from './types';

/** The read the checks make: one sample feature for two sample learners. */
export const FEATURE_PROBE = {
  features: ['learner_activity:minutes_active'],
  entities: { learner_id: [1001, 1002] },
};

export async function checkFeastLearner(t: ValidationTarget): Promise<CheckOutcome> {
  const feast = t.feast;
  if ('skip' in feast) return skip(feast.skip);
  if (typeof feast.token === 'string') return skip(feast.token);
  let token: string;
  try {
    token = await feast.token();
  } catch (err) {
    return fail([`${feast.learner}: no access token (${(err as Error).message})`]);
  }
  const res = await call(`${feast.url}/get-online-features`, {
    authorization: `Bearer ${token}`,
    body: FEATURE_PROBE,
  });
  const results = res.json?.results as Array<{ values?: unknown[] }> | undefined;
  const values = results?.[1]?.values ?? [];
  const evidence = [
    `${feast.learner} with a token: POST /get-online-features ${FEATURE_PROBE.features.join(', ')}: ${shown(res)} (want 200)`,
    `  values: ${JSON.stringify(values)}`,
  ];
  const served = res.status === 200 && values.some((v) => v !== null);
  return served ? pass(evidence) : fail(evidence);
}

export async function checkFeastAnonymous(t: ValidationTarget): Promise<CheckOutcome> {
  const feast = t.feast;
  if ('skip' in feast) return skip(feast.skip);
  const anonymous = await call(`${feast.url}/get-online-features`, { body: FEATURE_PROBE });
  const forged = await call(`${feast.url}/get-online-features`, {
    authorization: 'Bearer not-a-token',
    body: FEATURE_PROBE,
  });
  const evidence = [
    `no token: POST /get-online-features: ${shown(anonymous)} (want 401)`,
    `a token that is not one: POST /get-online-features: ${shown(forged)} (want 401)`,
  ];
  return anonymous.status === 401 && forged.status === 401 ? pass(evidence) : fail(evidence);
}
