import { Tags } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CohortConfig } from './config/types';

/** The four `lab:*` tags every resource of a cohort carries, then the cohort file's extra tags. */
export function labTags(config: CohortConfig): Record<string, string> {
  return {
    ...config.tags,
    'lab:cohort': config.name,
    'lab:owner': config.owner,
    'lab:expires': config.expires,
    'lab:profile': config.profile.name,
  };
}

/** Tag `scope` and every taggable resource below it with {@link labTags}. */
export function applyLabTags(scope: IConstruct, config: CohortConfig): void {
  for (const [key, value] of Object.entries(labTags(config))) {
    Tags.of(scope).add(key, value);
  }
}
