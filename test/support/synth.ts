import { readFileSync } from 'fs';
import { join } from 'path';
import { CohortConfig } from '../../lib/config';
import { CfnTemplate } from '../../lib/ops/cfn-template';
import { addCohortStacks, allStacks, CohortStacks, newCohortApp } from '../../lib/stacks/cohort-app';
import { testTempDir } from './tmp';

/** A cohort synthesised as `cdk synth` would (without cdk-nag): its stacks and their template files. */
export interface SynthesisedCohort {
  readonly config: CohortConfig;
  readonly stacks: CohortStacks;
  /** Each stack's template file as written, by stack name, in deployment order. */
  readonly texts: ReadonlyMap<string, string>;
  /** The same templates, parsed. */
  readonly templates: ReadonlyMap<string, CfnTemplate>;
}

/** Synthesise `config` into a fresh temp dir and read every template back. */
export function synthCohort(config: CohortConfig): SynthesisedCohort {
  const outdir = testTempDir('cohortlab-synth');
  const app = newCohortApp(outdir);
  const stacks = addCohortStacks(app, config);
  app.synth();
  const texts = new Map(
    allStacks(stacks).map((s) => [s.stackName, readFileSync(join(outdir, s.templateFile), 'utf8')]),
  );
  const templates = new Map([...texts].map(([name, text]) => [name, JSON.parse(text) as CfnTemplate]));
  return { config, stacks, texts, templates };
}

/** The resources of one type in `template`, by logical ID. */
export function resourcesOf(template: CfnTemplate, type: string): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(template.Resources ?? {})
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [id, (r.Properties ?? {}) as Record<string, unknown>]),
  );
}
