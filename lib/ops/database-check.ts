import { databaseConnectionBudget, databaseConnectionsAtMost, Limit, rdsMaxConnections } from '../core';
import { resourcesOfType, SynthesisedTemplate, templateString } from './cfn-template';
import { at, figure, LimitMeasure } from './limits-check';

/**
 * MLflow's database connections against the default `max_connections` of the instance class the
 * template deploys (lib/core/database-sizing.ts): every MLflow pod's two pools at their fullest
 * plus the reserve, held to 80% of what RDS allows. A class the sizing does not know (a template
 * edited by hand) is a problem of its own: nothing says how many connections it takes.
 */
export function measureDatabaseConnections(t: SynthesisedTemplate, mlflowReplicas: number): LimitMeasure[] {
  return resourcesOfType(t.template, 'AWS::RDS::DBInstance').map(([id, r]) => {
    const written = templateString(r.Properties?.DBInstanceClass);
    const instanceClass = written.replace(/^db\./, '');
    const size = databaseConnectionsAtMost(mlflowReplicas);
    let max: number;
    try {
      max = rdsMaxConnections(instanceClass);
    } catch {
      max = 0;
    }
    const limit: Limit = {
      budget: max === 0 ? 0 : databaseConnectionBudget(instanceClass),
      serviceLimit: max,
      what: `connections to MLflow's PostgreSQL (${written})`,
      service: 'RDS for PostgreSQL',
      source:
        max === 0
          ? `no connection figure for ${written} in lib/core/database-sizing.ts`
          : 'Amazon RDS User Guide, "Quotas and constraints for Amazon RDS": max_connections LEAST({DBInstanceClassMemory/9531392}, 5000)',
    };
    return {
      ...at(t, id),
      limit,
      size,
      text: `${mlflowReplicas} MLflow pod(s) and the reserve may open ${figure(size)} connections`,
    };
  });
}
