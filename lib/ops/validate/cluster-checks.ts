/**
 * The cluster checks: the EKS API endpoint is private, or public only to listed CIDR blocks none
 * of which is the whole internet (EKS's `publicAccessCidrs`, default 0.0.0.0/0 when the endpoint
 * is public: https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html); and every log
 * group of the cohort has a retention (CloudWatch Logs keeps a group without one forever:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html).
 */
import { DescribeLogGroupsCommand, LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { CheckOutcome, fail, pass, skip, ValidationTarget } from './types';

const WORLD = ['0.0.0.0/0', '::/0'];

export async function checkEksEndpoint(t: ValidationTarget): Promise<CheckOutcome> {
  if ('skip' in t.cluster) return skip(t.cluster.skip);
  const { cluster } = await t.cluster.eks.send(new DescribeClusterCommand({ name: t.cluster.clusterName }));
  const vpc = cluster?.resourcesVpcConfig;
  const cidrs = vpc?.publicAccessCidrs ?? [];
  const open =
    vpc?.endpointPublicAccess === true && (cidrs.length === 0 || cidrs.some((c) => WORLD.includes(c)));
  const evidence = [
    `${cluster?.arn ?? t.cluster.clusterName}: endpointPrivateAccess=${String(vpc?.endpointPrivateAccess)}, ` +
      `endpointPublicAccess=${String(vpc?.endpointPublicAccess)}` +
      (vpc?.endpointPublicAccess === true ? `, publicAccessCidrs=${JSON.stringify(cidrs)}` : ''),
  ];
  return open ? fail([...evidence, 'the API endpoint is open to the whole internet']) : pass(evidence);
}

export async function checkLogRetention(t: ValidationTarget): Promise<CheckOutcome> {
  if ('skip' in t.cluster) return skip(t.cluster.skip);
  const groups: LogGroup[] = [];
  let nextToken: string | undefined;
  do {
    const page = await t.cluster.logs.send(new DescribeLogGroupsCommand({ nextToken }));
    groups.push(...(page.logGroups ?? []).filter((g) => g.logGroupName?.includes(t.logGroupMarker) === true));
    nextToken = page.nextToken;
  } while (nextToken);
  if (groups.length === 0) return fail([`no log group whose name holds ${t.logGroupMarker}`]);
  const evidence = groups.map(
    (g) =>
      `${g.arn ?? g.logGroupName}: ${g.retentionInDays === undefined ? 'NO RETENTION (kept forever)' : `retention ${g.retentionInDays} days`}`,
  );
  return groups.every((g) => g.retentionInDays !== undefined) ? pass(evidence) : fail(evidence);
}
