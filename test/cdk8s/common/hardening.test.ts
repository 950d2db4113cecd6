import * as kplus from 'cdk8s-plus-27';
import {
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../../../cdk8s/common/hardening';
import { LAB_UID } from '../../../lib/core';
import { emptyChart, HARDENED_CONTAINER_CONTEXT, K8s, objects } from '../../support/charts';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are plain JSON */
const podOf = (o: K8s): Record<string, any> => (o.spec as any).template.spec;

/** A Deployment with `containers` containers and `inits` init containers, optionally hardened. */
function deployment(options: { containers: number; inits: number; harden: boolean }): K8s {
  const chart = emptyChart('c');
  const container = (name: string): kplus.ContainerProps => ({
    name,
    image: 'example/image:1',
    securityContext: restrictedSecurityContext(),
  });
  const d = new kplus.Deployment(chart, 'Deployment', {
    securityContext: restrictedPodSecurityContext(),
    containers: Array.from({ length: options.containers }, (_, i) => container(`c${i}`)),
    initContainers: Array.from({ length: options.inits }, (_, i) => container(`i${i}`)),
  });
  if (options.harden) hardenPodSpec(d);
  return objects(chart)[0];
}

describe('restrictedSecurityContext', () => {
  test('runs as the lab uid and gid, non-root, with a read-only root and no escalation', () => {
    // GIVEN nothing
    // WHEN the container security context is built
    // THEN it is exactly the lab's restricted settings
    expect(restrictedSecurityContext()).toEqual({
      user: LAB_UID,
      group: LAB_UID,
      ensureNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
    });
  });
});

describe('restrictedPodSecurityContext', () => {
  test('runs the pod as the lab uid and gid, non-root, with fsGroup for writable volumes', () => {
    // GIVEN no options
    // WHEN the pod security context is built
    // THEN it sets fsGroup too
    expect(restrictedPodSecurityContext()).toEqual({
      ensureNonRoot: true,
      user: LAB_UID,
      group: LAB_UID,
      fsGroup: LAB_UID,
    });
  });

  test('leaves fsGroup out for a pod that writes no volume', () => {
    // GIVEN fsGroup: false
    // WHEN the pod security context is built
    // THEN there is no fsGroup key at all
    expect(restrictedPodSecurityContext({ fsGroup: false })).toEqual({
      ensureNonRoot: true,
      user: LAB_UID,
      group: LAB_UID,
    });
  });
});

describe('hardenPodSpec', () => {
  test('adds seccomp RuntimeDefault to the pod, and drops every capability of every container and init container', () => {
    // GIVEN a Deployment with two containers and one init container, hardened
    const pod = podOf(deployment({ containers: 2, inits: 1, harden: true }));
    // WHEN its pod spec is read back
    // THEN the pod and each container carry the restricted profile in full
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: LAB_UID,
      runAsGroup: LAB_UID,
      fsGroup: LAB_UID,
      fsGroupChangePolicy: 'Always',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const all = [...pod.containers, ...pod.initContainers];
    expect(all.map((c: { name: string }) => c.name)).toEqual(['c0', 'c1', 'i0']);
    for (const c of all) {
      expect(c.securityContext).toEqual({ ...HARDENED_CONTAINER_CONTEXT, runAsGroup: LAB_UID });
    }
  });

  test('without it, cdk8s-plus sets neither seccomp nor dropped capabilities (why it exists)', () => {
    // GIVEN the same Deployment, not hardened
    const pod = podOf(deployment({ containers: 1, inits: 0, harden: false }));
    // WHEN its security contexts are read back
    // THEN the settings hardenPodSpec adds are missing
    expect(pod.securityContext.seccompProfile).toBeUndefined();
    expect(pod.containers[0].securityContext.capabilities).toBeUndefined();
    expect(pod.containers[0].securityContext.seccompProfile).toBeUndefined();
  });

  test('patches only the containers that exist (no init containers, no initContainers list)', () => {
    // GIVEN a Deployment with one container and no init container, hardened
    const pod = podOf(deployment({ containers: 1, inits: 0, harden: true }));
    // WHEN its pod spec is read back
    // THEN the container is hardened and no init container list was invented
    expect(pod.containers[0].securityContext).toMatchObject({ capabilities: { drop: ['ALL'] } });
    expect(pod.initContainers).toBeUndefined();
  });
});

describe('resources', () => {
  test('turns a sizing into requests and limits, with 1 GiB scratch requested', () => {
    // GIVEN a sizing in millicores, MiB and GiB
    const sizing = {
      cpuRequestMillis: 150,
      cpuLimitMillis: 750,
      memoryRequestMebibytes: 300,
      memoryLimitMebibytes: 600,
      ephemeralStorageLimitGibibytes: 2,
    };
    // WHEN it is put on a container and synthesised
    const chart = emptyChart('c');
    new kplus.Deployment(chart, 'Deployment', {
      containers: [{ image: 'example/image:1', resources: resources(sizing) }],
    });
    // THEN the requests and limits are exactly those figures
    expect(podOf(objects(chart)[0]).containers[0].resources).toEqual({
      requests: { cpu: '150m', memory: '300Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '750m', memory: '600Mi', 'ephemeral-storage': '2Gi' },
    });
  });
});
