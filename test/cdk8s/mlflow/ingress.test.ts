import * as kplus from 'cdk8s-plus-27';
import { createIngress, createPrivateEndpointBinding } from '../../../cdk8s/mlflow/ingress';
import { MLFLOW_LOG_SOURCE, MLFLOW_PORT, mlflowLoadBalancerName } from '../../../lib/core';
import { loadCohort } from '../../support/cohort';
import { objects, ofKind, one } from '../../support/charts';
import { bareChart, childIds, specOf, synthMlflow } from './support';

const LABELS = { 'app.kubernetes.io/name': 'mlflow' };
const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/abc';

/** The Ingress built on its own in an empty chart holding only the Service it routes to. */
function buildIngress(tls: {
  hostname?: string;
  certificateArn?: string;
  allowedCidrs?: readonly string[];
  webAclArn?: string;
  loadBalancerName?: string;
}) {
  const chart = bareChart();
  const service = new kplus.Service(chart, 'Service', {
    metadata: { name: 'mlflow' },
    ports: [{ port: MLFLOW_PORT }],
  });
  createIngress(chart, { namespace: 'lab', labels: LABELS, cohortName: 'c1', service, ...tls });
  return { chart, objects: objects(chart) };
}

describe('createIngress', () => {
  test('adds its object to the chart under the contract ID', () => {
    // GIVEN the Ingress built in a chart that holds its Service
    // WHEN the chart's children are listed
    // THEN the Ingress is `Ingress`
    expect(childIds(buildIngress({}).chart)).toEqual(['Service', 'Ingress']);
  });

  test('with a certificate: HTTPS with TLS 1.2+, HTTP redirected, for the host name only', () => {
    // GIVEN a host name and its certificate
    const ing = one(
      buildIngress({ hostname: 'mlflow.example.edu', certificateArn: CERT }).objects,
      'Ingress',
      'mlflow',
    );
    // WHEN the Ingress is read back
    // THEN it is an internet-facing ALB terminating TLS with the certificate, routing the host to MLflow
    expect(ing.metadata.annotations).toEqual({
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/health',
      'alb.ingress.kubernetes.io/tags': 'lab:cohort=c1',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/certificate-arn': CERT,
      'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    expect(ing.spec).toEqual({
      ingressClassName: 'alb',
      rules: [
        {
          host: 'mlflow.example.edu',
          http: {
            paths: [
              {
                backend: { service: { name: 'mlflow', port: { number: MLFLOW_PORT } } },
                path: '/',
                pathType: 'Prefix',
              },
            ],
          },
        },
      ],
    });
  });

  test('without a certificate or host name: plain HTTP for any host', () => {
    // GIVEN neither a host name nor a certificate (a sandbox)
    const ing = one(buildIngress({}).objects, 'Ingress', 'mlflow');
    // WHEN the Ingress is read back
    // THEN it listens on HTTP only, with no TLS annotations, and its one rule has no host
    expect(ing.metadata.annotations).toEqual({
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/health',
      'alb.ingress.kubernetes.io/tags': 'lab:cohort=c1',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}]',
    });
    expect(specOf(ing).rules).toEqual([
      {
        http: {
          paths: [
            {
              backend: { service: { name: 'mlflow', port: { number: MLFLOW_PORT } } },
              path: '/',
              pathType: 'Prefix',
            },
          ],
        },
      },
    ]);
  });
});

describe('createIngress at the edge', () => {
  test('listed networks become the load balancer inbound CIDRs; the web ACL and name are set', () => {
    // GIVEN two networks, a web ACL and a name
    const ing = one(
      buildIngress({
        allowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
        webAclArn: 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/mlflow/abc',
        loadBalancerName: 'cohortlab-c1-mlflow',
      }).objects,
      'Ingress',
      'mlflow',
    );
    // WHEN the annotations are read back
    // THEN the controller opens the listeners to those networks only and associates the web ACL
    expect(ing.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/inbound-cidrs': '203.0.113.0/24,198.51.100.7/32',
      'alb.ingress.kubernetes.io/wafv2-acl-arn':
        'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/mlflow/abc',
      'alb.ingress.kubernetes.io/load-balancer-name': 'cohortlab-c1-mlflow',
    });
  });

  test('no list means no inbound-cidrs annotation (the controller admits the internet)', () => {
    const ing = one(buildIngress({ allowedCidrs: [] }).objects, 'Ingress', 'mlflow');
    expect(ing.metadata.annotations!['alb.ingress.kubernetes.io/inbound-cidrs']).toBeUndefined();
    expect(ing.metadata.annotations!['alb.ingress.kubernetes.io/wafv2-acl-arn']).toBeUndefined();
  });
});

describe('mlflowLoadBalancerName', () => {
  test.each([
    ['demo-2027-spring', 'mlflow-demo-2027-spring'],
    ['a-very-long-cohort-name-for-the-autumn-term', 'mlflow-a-very-long-cohort-6d6b4f'],
  ])('%s: %s (at most 32 characters)', (cohort, name) => {
    expect(mlflowLoadBalancerName(cohort)).toBe(name);
    expect(name.length).toBeLessThanOrEqual(32);
  });
});

describe('createPrivateEndpointBinding', () => {
  test("binds the MLflow Service's pods to the private load balancer's target group", () => {
    // GIVEN a target group
    const chart = bareChart();
    createPrivateEndpointBinding(chart, { namespace: 'lab', labels: LABELS, targetGroupArn: 'arn:tg' });
    // WHEN the binding is read back
    const [binding] = objects(chart);
    // THEN it is the one object, `PrivateEndpointBinding`, an ip-mode TargetGroupBinding
    expect(childIds(chart)).toEqual(['PrivateEndpointBinding']);
    expect(binding).toEqual({
      apiVersion: 'elbv2.k8s.aws/v1beta1',
      kind: 'TargetGroupBinding',
      metadata: { name: 'mlflow-private', namespace: 'lab', labels: LABELS },
      spec: { serviceRef: { name: 'mlflow', port: MLFLOW_PORT }, targetGroupARN: 'arn:tg', targetType: 'ip' },
    });
  });
});

describe('MlflowChart Ingress', () => {
  test('the Ingress terminates TLS with the configured certificate on an ALB', () => {
    // GIVEN the demo cohort, which names a host and its certificate
    const ing = one(synthMlflow(), 'Ingress', 'mlflow');
    // WHEN the Ingress is read back
    // THEN it carries the cohort's certificate and host
    expect(ing.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/certificate-arn':
        'arn:aws:acm:eu-west-1:111122223333:certificate/0f3e6c1a-58d2-4f0e-9a43-7c2b9d1e6a10',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/tags': 'lab:cohort=demo-2027-spring',
    });
    expect(specOf(ing)).toMatchObject({
      ingressClassName: 'alb',
      rules: [{ host: 'mlflow.demo-2027-spring.cohort-lab.example' }],
    });
  });

  test('a sandbox without a certificate gets a plain-HTTP listener and no TLS annotations', () => {
    // GIVEN the sandbox example, which names no certificate
    const ing = one(synthMlflow(loadCohort('cohorts/sandbox-example.yaml')), 'Ingress', 'mlflow');
    // WHEN the Ingress is read back
    // THEN it listens on HTTP only
    expect(ing.metadata.annotations!['alb.ingress.kubernetes.io/listen-ports']).toBe('[{"HTTP": 80}]');
    expect(ing.metadata.annotations!['alb.ingress.kubernetes.io/certificate-arn']).toBeUndefined();
  });

  test('a private endpoint is bound, and its host allowed, only when the infrastructure has one', () => {
    // GIVEN the demo cohort without, then with, a private endpoint
    const without = synthMlflow();
    const withEndpoint = synthMlflow(undefined, {
      mlflowPrivateEndpoint: { hostname: 'internal-mlflow.elb.amazonaws.com', targetGroupArn: 'arn:tg' },
    });
    // WHEN the bindings and the server's allowed hosts are read back
    const hosts = (objs: ReturnType<typeof synthMlflow>) => {
      const d = one(objs, 'Deployment', 'mlflow');
      const args: string[] = specOf(d).template.spec.containers[0].args;
      return args[args.indexOf('--allowed-hosts') + 1].split(',');
    };
    // THEN only the second binds the target group, and it allows the endpoint's host name
    expect(ofKind(without, 'TargetGroupBinding')).toEqual([]);
    expect(specOf(one(withEndpoint, 'TargetGroupBinding', 'mlflow-private')).targetGroupARN).toBe('arn:tg');
    expect(hosts(without)).not.toContain('internal-mlflow.elb.amazonaws.com');
    expect(hosts(withEndpoint)).toContain('internal-mlflow.elb.amazonaws.com');
  });
});

describe('MlflowChart at the edge', () => {
  test('the cohort file networks, the web ACL and the load balancer name reach the Ingress', () => {
    // GIVEN the demo cohort limited to one network, on infrastructure with a web ACL
    const demo = loadCohort('cohorts/demo.yaml');
    const config = { ...demo, mlflow: { ...demo.mlflow, allowedCidrs: ['203.0.113.0/24'] } };
    const ing = one(synthMlflow(config, { mlflowWebAclArn: 'arn:acl' }), 'Ingress', 'mlflow');
    // WHEN / THEN
    expect(ing.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/inbound-cidrs': '203.0.113.0/24',
      'alb.ingress.kubernetes.io/wafv2-acl-arn': 'arn:acl',
      'alb.ingress.kubernetes.io/load-balancer-name': 'mlflow-demo-2027-spring',
    });
  });

  test("the server container the log routing picks out is the chart's MLflow server", () => {
    // GIVEN the chart's objects
    const all = synthMlflow();
    // WHEN the Deployment and its containers are read back
    const deployment = one(all, 'Deployment', 'mlflow');
    const containers: Array<{ name: string; command?: string[] }> =
      specOf(deployment).template.spec.containers;
    // THEN the container named in MLFLOW_LOG_SOURCE runs `mlflow server`, in pods named mlflow-*
    expect(deployment.metadata.namespace).toBe(MLFLOW_LOG_SOURCE.namespace);
    expect(`${deployment.metadata.name}-`).toBe(MLFLOW_LOG_SOURCE.podPrefix);
    expect(containers.find((c) => c.name === MLFLOW_LOG_SOURCE.container)?.command).toEqual([
      'mlflow',
      'server',
    ]);
  });
});
