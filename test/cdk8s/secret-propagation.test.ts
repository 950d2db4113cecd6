import { addCohortCharts } from '../../cdk8s';
import { EXTERNAL_SECRETS } from '../../lib/core';
import { chartApp, K8s, testValues } from '../support/charts';
import { readFileSync } from 'fs';
import { join } from 'path';
import { loadCohort, REPO_ROOT } from '../support/cohort';

/**
 * The bound on how long a rotated value takes to reach running pods (docs/secrets.md), asserted on
 * the manifests: ESO re-reads Secrets Manager every 60 s, and every long-running workload names
 * every Secret it reads in Reloader's annotation, so a changed Secret rolls it.
 */
describe('rotated values reach the pods', () => {
  const charts = addCohortCharts(chartApp(), testValues(loadCohort('cohorts/demo.yaml')));
  const objects = [charts.namespaces, charts.mlflow, charts.feast].flatMap((c) => c.toJson() as K8s[]);

  test('every ExternalSecret refreshes every 60 s', () => {
    const external = objects.filter((o) => o.kind === 'ExternalSecret');
    expect(external.length).toBeGreaterThanOrEqual(5);
    expect(EXTERNAL_SECRETS.refreshIntervalSeconds).toBe(60);
    for (const es of external) {
      expect({
        name: es.metadata.name,
        interval: (es.spec as { refreshInterval: string }).refreshInterval,
      }).toEqual({
        name: es.metadata.name,
        interval: '60s',
      });
    }
  });

  test('every Deployment lists each Secret it reads (env or volume) in its Reloader annotation', () => {
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['feast', 'mlflow', 'redis']);
    for (const d of deployments) {
      const pod = (d.spec as { template: { spec: Record<string, unknown> } }).template.spec;
      const containers = [
        ...((pod.containers as unknown[]) ?? []),
        ...((pod.initContainers as unknown[]) ?? []),
      ] as Array<{
        env?: Array<{ valueFrom?: { secretKeyRef?: { name: string } } }>;
      }>;
      const fromEnv = containers.flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name));
      const fromVolumes = ((pod.volumes as Array<{ secret?: { secretName: string } }>) ?? []).map(
        (v) => v.secret?.secretName,
      );
      const read = new Set([...fromEnv, ...fromVolumes].filter((n): n is string => n !== undefined));
      expect(read.size).toBeGreaterThan(0);
      const reloads = new Set(
        (d.metadata.annotations?.['secret.reloader.stakater.com/reload'] ?? '').split(','),
      );
      for (const name of read) {
        expect({ deployment: d.metadata.name, secret: name, reloaded: reloads.has(name) }).toEqual({
          deployment: d.metadata.name,
          secret: name,
          reloaded: true,
        });
      }
    }
  });

  test('each Secret a workload reads is written by an ExternalSecret (none is a plain manifest Secret)', () => {
    const written = new Set(objects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.metadata.name));
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const annotated = objects
      .filter((o) => o.kind === 'Deployment')
      .flatMap((d) => (d.metadata.annotations?.['secret.reloader.stakater.com/reload'] ?? '').split(','));
    for (const name of annotated) {
      expect(written.has(name)).toBe(true);
    }
  });

  test('the worst-case bound in docs/secrets.md is what the Deployments imply', () => {
    type Probe = { initialDelaySeconds?: number; periodSeconds: number; failureThreshold: number };
    type Deployment = {
      replicas: number;
      strategy: { type: string; rollingUpdate?: { maxSurge: number; maxUnavailable: number } };
      template: {
        spec: { containers: Array<{ name: string; startupProbe?: Probe; readinessProbe?: Probe }> };
      };
    };
    const computed = objects
      .filter((o) => o.kind === 'Deployment')
      .map((o) => {
        const spec = o.spec as Deployment;
        if (spec.strategy.type === 'RollingUpdate') {
          // One new pod at a time, and no old pod goes before its replacement is ready.
          expect(spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
        }
        const perPod = Math.max(
          ...spec.template.spec.containers.map((c) => {
            const s = c.startupProbe;
            const startup = s ? (s.initialDelaySeconds ?? 0) + s.periodSeconds * s.failureThreshold : 0;
            return startup + (c.readinessProbe?.periodSeconds ?? 0);
          }),
        );
        const worst = EXTERNAL_SECRETS.refreshIntervalSeconds + spec.replicas * perPod;
        return `| \`${o.metadata.name}\` | ${spec.replicas} | ${perPod} s | ${worst} s |`;
      });
    const documented = readFileSync(join(REPO_ROOT, 'docs', 'secrets.md'), 'utf8')
      .split('\n')
      .filter((l) => /^\| `[a-z]+` +\| \d+ /.test(l))
      .map((l) => l.replace(/ {2,}/g, ' '));
    expect(computed.sort()).toEqual(documented.sort());
    expect(computed).toHaveLength(3);
  });
});
