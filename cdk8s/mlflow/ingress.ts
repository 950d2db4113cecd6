import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MLFLOW_PORT } from '../../lib/core';

/** Properties of {@link createIngress}. */
export interface MlflowIngressProps {
  readonly namespace: string;
  /** Labels of the Ingress. */
  readonly labels: Record<string, string>;
  /** Cohort name, tagged on the load balancer (`lab:cohort`). */
  readonly cohortName: string;
  /** The MLflow Service the load balancer sends traffic to. */
  readonly service: kplus.Service;
  /**
   * Host name the Ingress answers for.
   * @default - any host (a sandbox reached by the load balancer's own name)
   */
  readonly hostname?: string;
  /**
   * ACM certificate of `hostname`: with it the load balancer terminates TLS and redirects HTTP.
   * @default - plain HTTP only (a sandbox; the plan warns loudly)
   */
  readonly certificateArn?: string;
  /**
   * IPv4 networks the load balancer admits (`inbound-cidrs`: its security group opens the
   * listeners to these only).
   * @default - the internet
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * The WAFv2 web ACL the controller associates with the load balancer (`wafv2-acl-arn`).
   * @default - none
   */
  readonly webAclArn?: string;
  /**
   * Name of the load balancer (at most 32 characters), so its metrics can be found by name.
   * @default - a name the controller generates
   */
  readonly loadBalancerName?: string;
}

/**
 * The `mlflow` Ingress in `chart`: an internet-facing Application Load Balancer (AWS Load Balancer
 * Controller, IP targets, /health checks) with TLS 1.2+ and an HTTP-to-HTTPS redirect when a
 * certificate is given, the listed networks only when given, and the web ACL when given.
 */
export function createIngress(chart: Chart, props: MlflowIngressProps): kplus.Ingress {
  const { namespace, labels, hostname, certificateArn } = props;
  const annotations: Record<string, string> = {
    'alb.ingress.kubernetes.io/scheme': 'internet-facing',
    'alb.ingress.kubernetes.io/target-type': 'ip',
    'alb.ingress.kubernetes.io/healthcheck-path': '/health',
    'alb.ingress.kubernetes.io/tags': `lab:cohort=${props.cohortName}`,
  };
  if (props.loadBalancerName !== undefined) {
    annotations['alb.ingress.kubernetes.io/load-balancer-name'] = props.loadBalancerName;
  }
  if (props.allowedCidrs !== undefined && props.allowedCidrs.length > 0) {
    annotations['alb.ingress.kubernetes.io/inbound-cidrs'] = props.allowedCidrs.join(',');
  }
  if (props.webAclArn !== undefined) {
    annotations['alb.ingress.kubernetes.io/wafv2-acl-arn'] = props.webAclArn;
  }
  if (certificateArn !== undefined) {
    Object.assign(annotations, {
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/certificate-arn': certificateArn,
      'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
  } else {
    annotations['alb.ingress.kubernetes.io/listen-ports'] = '[{"HTTP": 80}]';
  }
  const ingress = new kplus.Ingress(chart, 'Ingress', {
    metadata: { name: 'mlflow', namespace, labels, annotations },
  });
  const backend = kplus.IngressBackend.fromService(props.service, { port: MLFLOW_PORT });
  if (hostname) {
    ingress.addHostRule(hostname, '/', backend, kplus.HttpIngressPathType.PREFIX);
  } else {
    ingress.addRule('/', backend, kplus.HttpIngressPathType.PREFIX);
  }
  ApiObject.of(ingress).addJsonPatch(JsonPatch.add('/spec/ingressClassName', 'alb'));
  return ingress;
}

/** Properties of {@link createPrivateEndpointBinding}. */
export interface PrivateEndpointBindingProps {
  readonly namespace: string;
  /** Labels of the binding. */
  readonly labels: Record<string, string>;
  /** Target group of the private load balancer in front of MLflow. */
  readonly targetGroupArn: string;
}

/**
 * The `mlflow-private` TargetGroupBinding in `chart`: the AWS Load Balancer Controller keeps the
 * private endpoint's targets equal to the MLflow pods (the `mlflow` Service's endpoints).
 */
export function createPrivateEndpointBinding(chart: Chart, props: PrivateEndpointBindingProps): ApiObject {
  return new ApiObject(chart, 'PrivateEndpointBinding', {
    apiVersion: 'elbv2.k8s.aws/v1beta1',
    kind: 'TargetGroupBinding',
    metadata: { name: 'mlflow-private', namespace: props.namespace, labels: props.labels },
    spec: {
      serviceRef: { name: 'mlflow', port: MLFLOW_PORT },
      targetGroupARN: props.targetGroupArn,
      targetType: 'ip',
    },
  });
}
