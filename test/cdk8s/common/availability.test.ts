import * as kplus from 'cdk8s-plus-27';
import { addHighAvailability } from '../../../cdk8s/common/availability';
import { childIds, emptyChart, objects, one } from '../../support/charts';

const LABELS = { 'app.kubernetes.io/name': 'web' };

/** A Deployment with high availability added. */
function build() {
  const chart = emptyChart('c');
  const d = new kplus.Deployment(chart, 'Deployment', {
    metadata: { name: 'web' },
    podMetadata: { labels: LABELS },
    containers: [{ image: 'example/web:1' }],
  });
  addHighAvailability(chart, d, { name: 'web', namespace: 'lab', labels: LABELS });
  return { chart, objects: objects(chart) };
}

describe('addHighAvailability', () => {
  test('spreads the pods softly over zones, then nodes', () => {
    // GIVEN a Deployment with high availability added
    const d = one(build().objects, 'Deployment', 'web');
    // WHEN its pod spec is read back
    // THEN both spreads select its pods and never block scheduling (a hard rule would deadlock a
    // surge rollout on two zones)
    expect(
      (d.spec as { template: { spec: { topologySpreadConstraints: unknown } } }).template.spec
        .topologySpreadConstraints,
    ).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: LABELS },
      },
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: LABELS },
      },
    ]);
  });

  test('adds a PodDisruptionBudget `Pdb` that lets one pod go at a time', () => {
    // GIVEN a Deployment with high availability added
    const { chart, objects: all } = build();
    // WHEN the PDB is read back
    // THEN it is the chart's `Pdb`, named like the workload, selecting its pods
    expect(childIds(chart)).toEqual(['Deployment', 'Pdb']);
    expect(one(all, 'PodDisruptionBudget', 'web')).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'lab', labels: LABELS },
      spec: { maxUnavailable: 1, selector: { matchLabels: LABELS } },
    });
  });
});
