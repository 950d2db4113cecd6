import { writeFileSync } from 'fs';
import { join } from 'path';
import { loadKubeconfig, parseWarning } from '../../../lib/local/kube-api';
import { testTempDir } from '../../support/tmp';

describe('parseWarning', () => {
  test('takes the text out of an RFC 7234 Warning header value, unescaping it', () => {
    // GIVEN warnings as the API server sends them
    // THEN the text alone
    expect(parseWarning('299 - "unknown field \\"spec.foo\\""')).toBe('unknown field "spec.foo"');
    expect(parseWarning('299 - "would violate PodSecurity \\"restricted:v1.36\\""')).toBe(
      'would violate PodSecurity "restricted:v1.36"',
    );
  });

  test('keeps a value of another form as it is', () => {
    expect(parseWarning('something else')).toBe('something else');
  });
});

describe('loadKubeconfig', () => {
  test("reads the current context's server, CA and client certificate (paths relative to the file)", () => {
    // GIVEN a kubeconfig as scripts/k8s-control-plane.sh writes it, with a second, unused user
    const dir = testTempDir('cohortlab-kubeconfig');
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    writeFileSync(join(dir, 'me.crt'), 'CERT');
    writeFileSync(join(dir, 'me.key'), 'KEY');
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: local, cluster: { server: "https://127.0.0.1:6443", certificate-authority: ca.crt } }]',
        'users:',
        '  - { name: other, user: { client-certificate: nope.crt, client-key: nope.key } }',
        '  - { name: me, user: { client-certificate: me.crt, client-key: me.key } }',
        'contexts: [{ name: me@local, context: { cluster: local, user: me } }]',
        'current-context: me@local',
      ].join('\n'),
    );
    // WHEN it is loaded
    const creds = loadKubeconfig(file);
    // THEN the files' contents of that user
    expect({ ...creds, ca: String(creds.ca), cert: String(creds.cert), key: String(creds.key) }).toEqual({
      server: 'https://127.0.0.1:6443',
      ca: 'CA',
      cert: 'CERT',
      key: 'KEY',
    });
  });

  test("reads a user's bearer token", () => {
    // GIVEN a user's kubeconfig as `k8s-control-plane.sh user` writes it
    const dir = testTempDir('cohortlab-kubeconfig');
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'clusters: [{ name: local, cluster: { server: "https://127.0.0.1:6443", certificate-authority: ca.crt } }]',
        'users: [{ name: u, user: { token: 0123abcd } }]',
        'contexts: [{ name: local, context: { cluster: local, user: u } }]',
        'current-context: local',
      ].join('\n'),
    );
    // WHEN it is loaded
    const creds = loadKubeconfig(file);
    // THEN the token, and no certificate
    expect({ ...creds, ca: String(creds.ca) }).toEqual({
      server: 'https://127.0.0.1:6443',
      ca: 'CA',
      token: '0123abcd',
    });
  });

  test('fails when the user has neither a token nor a certificate', () => {
    const dir = testTempDir('cohortlab-kubeconfig');
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'clusters: [{ name: local, cluster: { server: "https://127.0.0.1:6443", certificate-authority: ca.crt } }]',
        'users: [{ name: u, user: { client-certificate: u.crt } }]',
        'contexts: [{ name: local, context: { cluster: local, user: u } }]',
        'current-context: local',
      ].join('\n'),
    );
    expect(() => loadKubeconfig(file)).toThrow(
      `${file}: user "u" has neither a token nor a client certificate and key`,
    );
  });

  test('fails when the current context names no known cluster or user', () => {
    const dir = testTempDir('cohortlab-kubeconfig');
    const file = join(dir, 'config');
    writeFileSync(file, 'clusters: []\nusers: []\ncontexts: []\ncurrent-context: gone\n');
    expect(() => loadKubeconfig(file)).toThrow(`${file}: no cluster and user for the current context "gone"`);
  });
});
