import {
  EXTERNAL_SECRETS_API_VERSION,
  ExternalSecret,
  ExternalSecretProps,
} from '../../../cdk8s/common/external-secret';
import { emptyChart, objects } from '../../support/charts';

const PROPS: ExternalSecretProps = {
  name: 'app-db',
  namespace: 'lab',
  storeName: 'cohort-secrets',
  refreshIntervalSeconds: 45,
  keys: [
    { secretKey: 'username', remoteName: 'c/db', property: 'username' },
    { secretKey: 'token', remoteName: 'c/token' },
  ],
};

/** An ExternalSecret built on its own in an empty chart. */
function build(props: ExternalSecretProps = PROPS) {
  const chart = emptyChart('c');
  const es = new ExternalSecret(chart, 'Secret', props);
  return { chart, es, objects: objects(chart) };
}

describe('ExternalSecret', () => {
  test('emits one ExternalSecret that ESO turns into a Secret of the same name', () => {
    // GIVEN two keys, one a JSON property and one the whole value
    // WHEN the ExternalSecret is synthesised
    // THEN it is exactly this object: the store, the interval, an owned and retained target, the keys
    expect(build().objects).toEqual([
      {
        apiVersion: EXTERNAL_SECRETS_API_VERSION,
        kind: 'ExternalSecret',
        metadata: { name: 'app-db', namespace: 'lab' },
        spec: {
          refreshInterval: '45s',
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'cohort-secrets' },
          target: { name: 'app-db', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          data: [
            {
              secretKey: 'username',
              remoteRef: {
                key: 'c/db',
                property: 'username',
                conversionStrategy: 'Default',
                decodingStrategy: 'None',
                metadataPolicy: 'None',
              },
            },
            {
              secretKey: 'token',
              remoteRef: {
                key: 'c/token',
                conversionStrategy: 'Default',
                decodingStrategy: 'None',
                metadataPolicy: 'None',
              },
            },
          ],
        },
      },
    ]);
    expect(EXTERNAL_SECRETS_API_VERSION).toBe('external-secrets.io/v1');
  });

  test('renders template data with ESO v2 templates, replacing the copied keys', () => {
    // GIVEN template data for a config file that must carry a secret
    const templateData = { 'app.conf': 'user={{ .username }}\n' };
    // WHEN the ExternalSecret is synthesised
    const [es] = build({ ...PROPS, templateData }).objects;
    // THEN the target renders exactly that data
    expect((es.spec as { target: unknown }).target).toEqual({
      name: 'app-db',
      creationPolicy: 'Owner',
      deletionPolicy: 'Retain',
      template: { engineVersion: 'v2', mergePolicy: 'Replace', data: templateData },
    });
  });

  test('env() refers to a key of the synced Secret, which must exist', () => {
    // GIVEN an ExternalSecret
    const { es } = build();
    // WHEN an env value is taken from one of its keys
    const env = es.env('token');
    // THEN it is a required reference to the Secret of the same name, not a value
    expect(env.value).toBeUndefined();
    expect(env.valueFrom).toEqual({ secretKeyRef: { name: 'app-db', key: 'token', optional: false } });
    expect(es.name).toBe('app-db');
    expect(es.secret.name).toBe('app-db');
  });

  test('the ApiObject is the Resource of the construct, at the ID it is given', () => {
    // GIVEN an ExternalSecret built as `Secret`
    const { chart, es } = build();
    // WHEN the construct tree is read
    // THEN the object is its primary child
    expect(chart.node.children.map((c) => c.node.id)).toEqual(['Secret']);
    expect(es.node.defaultChild?.node.id).toBe('Resource');
  });

  test('fails when no keys are given', () => {
    // GIVEN no keys
    // WHEN the ExternalSecret is built
    // THEN it is refused, naming the Secret
    expect(() => build({ ...PROPS, keys: [] })).toThrow('ExternalSecret app-db: needs at least one key');
  });
});
