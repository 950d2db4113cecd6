import { ApiEndpointAccess, ArtifactRetention, DEFAULT_DRIFT_ALARM, ExpiryAction } from '../core';
import { ComputeConfig, Profile } from './profile';
import { AlertsConfig, BudgetConfig, ExpiryConfig } from './types';
import { CohortFile } from './schema';

/**
 * What a section means once the profile fills in what the cohort file left out. The rules check
 * these values and the builder puts them in the config, so both read them from here.
 */

/** Worker capacity: each field as written, else the profile's default. */
export function computeWithDefaults(written: CohortFile['compute'], profile: Profile): ComputeConfig {
  return {
    instanceTypes: written.instanceTypes ?? profile.defaultCompute.instanceTypes,
    minNodes: written.minNodes ?? profile.defaultCompute.minNodes,
    maxNodes: written.maxNodes ?? profile.defaultCompute.maxNodes,
    spot: written.spot ?? profile.defaultCompute.spot,
  };
}

/** The artifact retention as written, else the profile's default. */
export function retentionWithDefault(written: CohortFile['artifacts'], profile: Profile): ArtifactRetention {
  return (written.retention as ArtifactRetention | undefined) ?? profile.defaultRetention;
}

/** The API endpoint access as written, else private. */
export function endpointAccessWithDefault(written: CohortFile['cluster']): ApiEndpointAccess {
  return (written.endpointAccess as ApiEndpointAccess | undefined) ?? ApiEndpointAccess.PRIVATE;
}

/** The expiry action and reminders as written, else the profile's; reminders largest first, no repeats. */
export function expiryWithDefaults(written: CohortFile['expiry'], profile: Profile): ExpiryConfig {
  const days = written.remindDaysBefore ?? profile.defaultReminderDays;
  return {
    action: (written.action as ExpiryAction | undefined) ?? profile.defaultExpiryAction,
    remindDaysBefore: [...new Set(days)].sort((a, b) => b - a),
  };
}

/** Alert on a forecast of 100 % and actual spends of 80 % and 100 %, unless the file says otherwise. */
export function budgetWithDefaults(written: CohortFile['budget']): BudgetConfig {
  return {
    monthlyUsd: written.monthlyUsd,
    forecastPercent: written.forecastPercent ?? 100,
    actualPercent: [...new Set(written.actualPercent ?? [80, 100])].sort((a, b) => a - b),
  };
}

/** No ops list, the drift thresholds of lib/core/drift.ts and no Slack, unless the file says otherwise. */
export function alertsWithDefaults(written: CohortFile['alerts']): AlertsConfig {
  return {
    ops: [...new Set(written.ops ?? [])],
    drift: {
      driftedFeatures: written.drift.driftedFeatures ?? DEFAULT_DRIFT_ALARM.driftedFeatures,
      maxPsi: written.drift.maxPsi ?? DEFAULT_DRIFT_ALARM.maxPsi,
    },
    slack: written.slack,
  };
}
