/**
 * The Fluent Bit configuration the CloudWatch Observability add-on runs on every node, in place of
 * the chart's defaults (`containerLogs.fluentBit.config.extraFiles`, one file per key, each
 * `@INCLUDE`d by fluent-bit.conf). Pure text, so tests read exactly what ships.
 *
 * It reads container stdout and stderr only (the kubelet's `/var/log/containers/*.log`) and the
 * kubelet's and container runtime's journal, adds the pod's name, namespace and container (no
 * labels, no annotations, nothing parsed out of the line), and writes to the log groups the stack
 * created: `auto_create_group false`, and the agent's role may create none. Host logs (dmesg,
 * messages, secure) are not shipped. `${...}` are environment variables of the add-on's DaemonSet.
 *
 * Based on the defaults of aws-observability/helm-charts, chart amazon-cloudwatch-observability
 * 6.4.0 (tag amazon-cloudwatch-observability-6.4.0, charts/amazon-cloudwatch-observability/values.yaml).
 */

/** The log groups the configuration writes to. */
export interface FluentBitLogGroups {
  readonly application: string;
  readonly mlflow: string;
  readonly dataplane: string;
}

/** What {@link fluentBitFiles} routes. */
export interface FluentBitRouting {
  readonly logGroups: FluentBitLogGroups;
  /**
   * Tail path of the container whose raw lines go to `logGroups.mlflow` (and nowhere else).
   * The kubelet names files `<pod>_<namespace>_<container>-<container id>.log`.
   */
  readonly mlflowPath: string;
}

/** The extra files, by name: `application-log.conf`, `dataplane-log.conf`, `host-log.conf`. */
export function fluentBitFiles(routing: FluentBitRouting): Record<string, string> {
  const { logGroups, mlflowPath } = routing;
  const tail = (tag: string, path: string, db: string, extra: Array<[string, string]> = []) =>
    section('INPUT', [
      ['Name', 'tail'],
      ['Tag', tag],
      ['Path', path],
      ...extra,
      ['multiline.parser', 'docker, cri'],
      ['DB', `/var/fluent-bit/state/${db}`],
      ['Mem_Buf_Limit', '50MB'],
      ['Skip_Long_Lines', 'On'],
      ['Refresh_Interval', '10'],
      ['Rotate_Wait', '30'],
      ['storage.type', 'filesystem'],
      ['Read_from_Head', '${READ_FROM_HEAD}'],
    ]);
  const output = (match: string, logGroup: string, extra: Array<[string, string]> = []) =>
    section('OUTPUT', [
      ['Name', 'cloudwatch_logs'],
      ['Match', match],
      ['region', '${AWS_REGION}'],
      ['log_group_name', logGroup],
      ['log_stream_prefix', '${HOST_NAME}-'],
      ['auto_create_group', 'false'],
      ...extra,
      ['extra_user_agent', 'container-insights'],
    ]);

  const application = [
    tail('application.*', '/var/log/containers/*.log', 'flb_container.db', [
      ['Exclude_Path', `/var/log/containers/aws-node*, /var/log/containers/kube-proxy*, ${mlflowPath}`],
    ]),
    tail('mlflow.*', mlflowPath, 'flb_mlflow.db'),
    section('FILTER', [
      ['Name', 'kubernetes'],
      ['Match', 'application.*'],
      ['Kube_URL', 'https://kubernetes.default.svc:443'],
      ['Kube_Tag_Prefix', 'application.var.log.containers.'],
      ['Merge_Log', 'Off'],
      ['K8S-Logging.Parser', 'Off'],
      ['K8S-Logging.Exclude', 'Off'],
      ['Labels', 'Off'],
      ['Annotations', 'Off'],
      ['Use_Kubelet', 'On'],
      ['Kubelet_Port', '10250'],
      ['Buffer_Size', '0'],
    ]),
    output('application.*', logGroups.application),
    // MLflow's lines as MLflow wrote them (the metric filters read them); the stream name
    // carries the node and the file name, so the pod.
    output('mlflow.*', logGroups.mlflow, [['log_key', 'log']]),
  ];

  const dataplane = [
    section('INPUT', [
      ['Name', 'systemd'],
      ['Tag', 'dataplane.systemd.*'],
      ['Systemd_Filter', '_SYSTEMD_UNIT=containerd.service'],
      ['Systemd_Filter', '_SYSTEMD_UNIT=kubelet.service'],
      ['DB', '/var/fluent-bit/state/systemd.db'],
      ['Path', '/var/log/journal'],
      ['Read_From_Tail', '${READ_FROM_TAIL}'],
    ]),
    tail(
      'dataplane.tail.*',
      '/var/log/containers/aws-node*, /var/log/containers/kube-proxy*',
      'flb_dataplane_tail.db',
    ),
    section('FILTER', [
      ['Name', 'modify'],
      ['Match', 'dataplane.systemd.*'],
      ['Rename', '_HOSTNAME hostname'],
      ['Rename', '_SYSTEMD_UNIT systemd_unit'],
      ['Rename', 'MESSAGE message'],
      ['Remove_regex', '^((?!hostname|systemd_unit|message).)*$'],
    ]),
    output('dataplane.*', logGroups.dataplane),
  ];

  return {
    'application-log.conf': application.join('\n'),
    'dataplane-log.conf': dataplane.join('\n'),
    'host-log.conf': '# Host logs (dmesg, messages, secure) are not shipped: they are not pod logs.\n',
  };
}

function section(
  kind: 'INPUT' | 'FILTER' | 'OUTPUT',
  entries: ReadonlyArray<readonly [string, string]>,
): string {
  const width = Math.max(...entries.map(([k]) => k.length)) + 2;
  return [`[${kind}]`, ...entries.map(([k, v]) => `    ${k.padEnd(width)}${v}`), ''].join('\n');
}
