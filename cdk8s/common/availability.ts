import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** What {@link addHighAvailability} needs to know about the workload. */
export interface AvailabilityOptions {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the workload's pods (selector of the PDB and the spread). */
  readonly labels: Record<string, string>;
}

/**
 * Keep a multi-replica server up through node drains and zone trouble: a soft spread of its pods
 * over zones and nodes (a hard rule would deadlock a surge rollout on two zones) and a
 * PodDisruptionBudget that lets one pod go at a time (with one replica, drains still proceed).
 */
export function addHighAvailability(
  scope: Construct,
  deployment: kplus.Deployment,
  options: AvailabilityOptions,
): void {
  const { labels } = options;
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.add(
      '/spec/template/spec/topologySpreadConstraints',
      ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: labels },
      })),
    ),
  );
  new kplus.k8s.KubePodDisruptionBudget(scope, 'Pdb', {
    metadata: { name: options.name, namespace: options.namespace, labels },
    spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
  });
}
