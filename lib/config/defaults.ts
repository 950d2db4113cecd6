import { ApiEndpointAccess, ArtifactRetention } from '../core';
import { ComputeConfig, Profile } from './profile';
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
