import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ClusterEndpoint, CohortCluster } from '../../../constructs/cohort-cluster';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../../lib/stacks/policy-checks';
import { testStack } from '../../support/cohort';

// What constructs/cohort-cluster/acknowledgements.ts acknowledges on the resources aws-eks-v2
// creates, seen through the construct.

function build(endpoint: ClusterEndpoint): { stack: Stack; cluster: CohortCluster } {
  const stack = testStack({ region: 'eu-west-1' });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new CohortCluster(stack, 'Cluster', {
    clusterName: 'cohortlab-spring',
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    encryptionKey: new kms.Key(stack, 'Key'),
    capacity: { instanceTypes: [new ec2.InstanceType('t3.large')], minNodes: 1, maxNodes: 2, spot: false },
    endpoint,
  });
  return { stack, cluster };
}

describe('CohortCluster acknowledgements', () => {
  /** The AwsSolutions-EKS1 acknowledgement on the cluster resource, if any. */
  function eks1(cluster: CohortCluster): unknown {
    const cfn = cluster.cluster.node.defaultChild as eks.CfnCluster;
    return cfn.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => (m.data as Record<string, unknown>)['Annotation::AwsSolutions-EKS1'])
      .find((reason) => reason !== undefined);
  }

  test('a private endpoint needs no EKS1 acknowledgement', () => {
    expect(eks1(build(ClusterEndpoint.private()).cluster)).toBeUndefined();
  });

  test('a public endpoint acknowledges EKS1 naming the listed blocks', () => {
    const { cluster } = build(ClusterEndpoint.publicFrom(['198.51.100.0/24', '203.0.113.7/32']));
    expect(eks1(cluster)).toBe(
      "The public API endpoint admits only the cohort file's CIDR blocks (198.51.100.0/24, 203.0.113.7/32) so instructors and learners can run kubectl; nodes use the private endpoint.",
    );
  });

  test('an endpoint open to the world acknowledges EKS1 naming the opt-in', () => {
    const { cluster } = build(ClusterEndpoint.publicFrom(['0.0.0.0/0'], { allowAnywhere: true }));
    expect(eks1(cluster)).toBe(
      'The cohort file opted in explicitly (allowPublicAccessFromAnywhere: true) to a public API endpoint reachable from 0.0.0.0/0; access still needs an IAM principal with an access entry.',
    );
  });

  test.each([
    ['a private', ClusterEndpoint.private()],
    ['a public', ClusterEndpoint.publicFrom(['203.0.113.0/24'])],
  ])(
    'cdk-nag finds nothing unacknowledged in the cluster with %s endpoint, and no acknowledgement is stale',
    (_name, endpoint) => {
      // GIVEN the construct in an app with the policy checks on
      const { stack } = build(endpoint);
      const app = stack.node.root as App;
      enablePolicyChecks(app);
      // WHEN (a stale acknowledgement would fail the synth itself)
      const { violations } = synthWithPolicyChecks(app);
      // THEN (the test VPC has findings of its own, e.g. no flow log; those are not this construct's)
      expect(violations.filter((v) => v.constructPath.startsWith('Test/Cluster/'))).toEqual([]);
      expect(violations.length).toBeGreaterThan(0);
    },
  );
});
