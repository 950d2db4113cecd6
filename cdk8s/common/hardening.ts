// What every lab pod and container runs with: the restricted security contexts, the hardening
// cdk8s-plus-27 cannot express (seccomp, dropped capabilities), and requests and limits. The
// checkov exceptions a workload records about itself are in checkov.ts.
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { LAB_UID } from '../../lib/core';

/**
 * Container security context of every lab container: the fixed non-root uid/gid the images
 * create ({@link LAB_UID}), read-only root filesystem, no privilege escalation. Dropping ALL
 * capabilities and seccomp `RuntimeDefault` are added by {@link hardenPodSpec}, because
 * cdk8s-plus-27 has no property for either (its Capability enum has no `ALL`).
 */
export function restrictedSecurityContext(): kplus.ContainerSecurityContextProps {
  return {
    user: LAB_UID,
    group: LAB_UID,
    ensureNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
  };
}

/**
 * Pod security context of every lab workload: non-root as {@link LAB_UID}; with `fsGroup` when
 * the pod mounts volumes its processes write (emptyDir scratch, data).
 */
export function restrictedPodSecurityContext(
  options: { readonly fsGroup?: boolean } = {},
): kplus.PodSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: LAB_UID,
    group: LAB_UID,
    ...(options.fsGroup === false ? {} : { fsGroup: LAB_UID }),
  };
}

/** Requests and limits, in millicores and MiB (units in the names). */
export interface ContainerSizing {
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMebibytes: number;
  readonly memoryLimitMebibytes: number;
  /** Scratch space (`/tmp` emptyDir and logs) the container may use; cdk8s-plus-27 takes whole GiB. */
  readonly ephemeralStorageLimitGibibytes: number;
}

/** Container resources from a {@link ContainerSizing}. */
export function resources(s: ContainerSizing): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(s.cpuRequestMillis), limit: kplus.Cpu.millis(s.cpuLimitMillis) },
    memory: {
      request: Size.mebibytes(s.memoryRequestMebibytes),
      limit: Size.mebibytes(s.memoryLimitMebibytes),
    },
    ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(s.ephemeralStorageLimitGibibytes) },
  };
}

/**
 * Hardening cdk8s-plus-27 cannot express: seccomp `RuntimeDefault` for the pod and every
 * container, and `capabilities.drop: [ALL]` on every container and init container. Call it after
 * the last container is added.
 */
export function hardenPodSpec(workload: kplus.Deployment | kplus.StatefulSet | kplus.Job): void {
  const patches = [
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
  ];
  const lists: Array<[string, number]> = [
    ['containers', workload.containers.length],
    ['initContainers', workload.initContainers.length],
  ];
  for (const [list, count] of lists) {
    for (let i = 0; i < count; i++) {
      const base = `/spec/template/spec/${list}/${i}/securityContext`;
      patches.push(JsonPatch.add(`${base}/capabilities`, { drop: ['ALL'] }));
      patches.push(JsonPatch.add(`${base}/seccompProfile`, { type: 'RuntimeDefault' }));
    }
  }
  ApiObject.of(workload).addJsonPatch(...patches);
}
